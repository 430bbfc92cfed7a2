//! The dashboard as a whole: search and filters, the summary strip, keyboard shortcuts, changes
//! made outside the window (as `tok` makes them), and 10,000 tokens.

use std::time::{Duration, Instant};

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
    app.run_js("document.getElementById('table-scroll').scrollTop = 1e9; return null;")
        .await;
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

    // Home goes back to the first rows; End jumps to the last ones, in order, at once.
    app.run_js("document.getElementById('table-scroll').focus(); return null;")
        .await;
    app.press("\u{E011}").await;
    let top = rows_until(&app, "Home", |n| {
        n.first().map(String::as_str) == Some("token 00000")
    })
    .await;
    assert_eq!(
        top,
        names(0..top.len()),
        "Home shows the first rows in order"
    );
    let pressed = Instant::now();
    app.press("\u{E010}").await;
    let tail = rows_until(&app, "End", |n| {
        n.last().map(String::as_str) == Some("token 09999")
    })
    .await;
    eprintln!(
        "End showed the last rows of 10,000 after {:?}",
        pressed.elapsed()
    );
    assert!(tail.len() >= 5, "End shows only {tail:?}");
    assert_eq!(
        tail,
        names(10_000 - tail.len()..10_000),
        "End shows the last rows in order"
    );

    // A search over all of them answers.
    app.type_into("#search", "token 04242").await;
    app.wait_rows(&["token 04242"]).await;
    app.finish().await;
}

/// 10,000 tokens described "deploy key"; the ten numbered …424 are "deploy keys" and two of
/// them (01424, 05424) are disabled, so one more key narrows a search that matched every row.
fn ten_thousand_deploy_keys() -> Seed {
    let mut seed = Seed::new();
    let started = Instant::now();
    for i in 0..10_000 {
        let special = i % 1000 == 424;
        let issued = seed
            .vault
            .generate(GenerateRequest {
                token: NewToken {
                    name: format!("token {i:05}"),
                    description: if special { "deploy keys" } else { "deploy key" }.into(),
                    scopes: vec!["read".into()],
                    ..Default::default()
                },
                keep: false,
            })
            .unwrap();
        if i == 1424 || i == 5424 {
            seed.vault.set_enabled(&issued.token.id, false).unwrap();
        }
    }
    eprintln!("seeded 10,000 tokens in {:?}", started.elapsed());
    seed
}

/// The names `token {i:05}` for each i, as the table lists them.
fn names(range: impl Iterator<Item = usize>) -> Vec<String> {
    range.map(|i| format!("token {i:05}")).collect()
}

/// The digits of a count as shown: grouping follows the locale ("10,000" or "10000").
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Empties the search box, waits for all 10,000 rows to be counted again, then starts a reload
/// (as the window does when it regains focus), so the next change lands during a load.
async fn clear_and_reload(app: &App) {
    app.type_into("#search", "").await;
    app.wait_text("#result-count", |t| {
        digits(t) == "10000" && t.ends_with("tokens")
    })
    .await;
    app.click("#refresh").await;
}

/// The table shows exactly `expected` and the count says `count`, and a second later (when any
/// answer to an older query would have landed) it still does.
async fn ends_on(app: &App, expected: &[String], count: &str) {
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    app.wait_rows(&expected).await;
    app.wait_text("#result-count", |t| t == count).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        app.row_names().await,
        expected,
        "the table changed after it matched"
    );
    assert_eq!(
        app.text("#result-count").await,
        count,
        "the count changed after it matched"
    );
}

/// A search typed, or a filter changed, while the table is still loading is the one the table
/// ends on: the latest request wins, not the one that was already in flight.
#[tokio::test]
async fn typing_fast_over_ten_thousand_ends_on_what_the_box_says() {
    let app = App::with("typing-fast", ten_thousand_deploy_keys()).await;
    app.wait_text("#result-count", |t| digits(t) == "10000")
        .await;
    let keys = names((0..10).map(|k| k * 1000 + 424));

    // Key by key at a typing speed (each key starts a search over every row), no waiting for
    // the table; the last key narrows 10,000 matches to ten.
    app.click("#search").await;
    for key in "deploy keys".chars() {
        app.press(&key.to_string()).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert_eq!(app.value("#search").await, "deploy keys");
    ends_on(&app, &keys, "10 tokens match").await;

    // Emptied again, then typed in one burst while the window reads every token again (as it
    // does when it regains focus).
    clear_and_reload(&app).await;
    app.type_into("#search", "deploy keys").await;
    ends_on(&app, &keys, "10 tokens match").await;

    // A filter changed during a load.
    clear_and_reload(&app).await;
    app.select("#filter-status", "disabled").await;
    ends_on(&app, &names([1424, 5424].into_iter()), "2 tokens match").await;
    app.finish().await;
}

/// Waits until the table's row names satisfy `ok` (after pressing `key`), and returns them.
async fn rows_until(app: &App, key: &str, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let names = app.row_names().await;
        if ok(&names) {
            return names;
        }
        if Instant::now() > deadline {
            app.screenshot("FAILED").await;
            panic!("after {key} the table shows {names:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
