//! The dashboard as a whole: search and filters, the summary strip, keyboard shortcuts, changes
//! made outside the window (as `tok` makes them), and 10,000 tokens.

use std::time::Instant;

use fantoccini::Locator;
use tokenkeeper_core::{GenerateRequest, ListQuery, NewToken};

use crate::util::*;

#[tokio::test]
async fn search_and_filters_narrow_the_table() {
    let mut seed = Seed::new();
    seed.generate("CI deploy", None, &["read", "write"], false);
    seed.generate("Partner reports", None, &["read"], false);
    seed.import(
        "GitHub personal",
        Some("GitHub"),
        "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
    );
    seed.import(
        "Stripe live",
        Some("Stripe"),
        "sk_live_0123456789abcdefghij",
    );
    let (disabled, _) = seed.generate("Retired bot", None, &[], false);
    seed.vault.set_enabled(&disabled.id, false).unwrap();
    let app = App::with("search-filter", seed).await;
    app.wait_rows(&[
        "CI deploy",
        "GitHub personal",
        "Partner reports",
        "Retired bot",
        "Stripe live",
    ])
    .await;
    app.wait_text("#stat-active [data-count]", |t| t == "4")
        .await;
    app.screenshot("five").await;

    // `/` focuses search; typing narrows the list.
    app.press("/").await;
    let focused = app
        .client
        .active_element()
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap();
    assert_eq!(focused.as_deref(), Some("search"));
    app.press("part").await;
    app.wait_rows(&["Partner reports"]).await;
    app.type_into("#search", "").await;
    app.wait_rows(&[
        "CI deploy",
        "GitHub personal",
        "Partner reports",
        "Retired bot",
        "Stripe live",
    ])
    .await;

    app.select("#filter-service", "Stripe").await;
    app.wait_rows(&["Stripe live"]).await;
    app.select("#filter-service", "").await;
    app.select("#filter-scope", "write").await;
    app.wait_rows(&["CI deploy"]).await;
    app.select("#filter-scope", "").await;
    app.select("#filter-status", "disabled").await;
    app.wait_rows(&["Retired bot"]).await;
    app.select("#filter-status", "").await;

    // Sorting by name descending.
    app.click("th[data-sort=name] button").await;
    app.wait_rows(&[
        "Stripe live",
        "Retired bot",
        "Partner reports",
        "GitHub personal",
        "CI deploy",
    ])
    .await;

    // A search with no match says so.
    app.type_into("#search", "no such token").await;
    app.wait_text("#empty-title", |t| t == "No tokens match")
        .await;
    app.finish().await;
}

#[tokio::test]
async fn changes_made_outside_the_window_show_on_refresh() {
    let mut seed = Seed::new();
    seed.generate("First", None, &[], false);
    let app = App::with("refresh", seed).await;
    app.wait_rows(&["First"]).await;

    // Another process (here the core, as `tok` would) adds a token while the window is open.
    app.vault()
        .generate(GenerateRequest {
            token: NewToken {
                name: "Made by tok".into(),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    app.click("#refresh").await;
    app.wait_rows(&["First", "Made by tok"]).await;
    app.finish().await;
}

#[tokio::test]
async fn ten_thousand_tokens_render_only_what_is_visible() {
    let mut seed = Seed::new();
    let started = Instant::now();
    for i in 0..10_000 {
        seed.generate(&format!("token {i:05}"), None, &["read"], false);
    }
    eprintln!("seeded 10,000 tokens in {:?}", started.elapsed());
    assert_eq!(
        seed.vault.list(&ListQuery::default()).unwrap().len(),
        10_000
    );
    let app = App::with("ten-thousand", seed).await;

    // Digit grouping follows the locale ("10,000" or "10000").
    let digits = |t: &str| t.chars().filter(char::is_ascii_digit).collect::<String>();
    app.wait_text("#result-count", |t| {
        digits(t) == "10000" && t.ends_with("tokens")
    })
    .await;
    app.wait_text("#stat-active [data-count]", |t| digits(t) == "10000")
        .await;
    let rendered = app
        .client
        .find_all(Locator::Css("#rows tr[data-id]"))
        .await
        .unwrap()
        .len();
    assert!(
        (10..=100).contains(&rendered),
        "{rendered} rows in the DOM for 10,000 tokens"
    );
    app.screenshot("top").await;

    // Scrolling to the end shows the last token.
    app.client
        .execute(
            "document.getElementById('table-scroll').scrollTop = 1e9; return null;",
            vec![],
        )
        .await
        .unwrap();
    app.wait_css("#rows tr[data-id] a[href]").await;
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    while !app.row_names().await.contains(&"token 09999".to_string()) {
        assert!(
            Instant::now() < deadline,
            "the last token never appeared after scrolling to the end"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let rendered = app
        .client
        .find_all(Locator::Css("#rows tr[data-id]"))
        .await
        .unwrap()
        .len();
    assert!(
        rendered <= 100,
        "{rendered} rows in the DOM after scrolling"
    );

    // A search over all of them answers.
    app.type_into("#search", "token 04242").await;
    app.wait_rows(&["token 04242"]).await;
    app.finish().await;
}
