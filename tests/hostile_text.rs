//! The window renders text only: HTML and script in a token's name, description and service
//! fields show as the literal text in the table and on the details page, and no element is made
//! from them. A far-future expiry typed in the Generate drawer is refused inline.

use tokenkeeper_core::{GenerateRequest, NewToken, Service};

use crate::util::*;

const NAME: &str = "<img src=x onerror=\"document.title='pwned-name'\">";
const DESCRIPTION: &str = "<script>document.title='pwned-description'</script><b>bold?</b>";
const SERVICE: &str = "<i>Svc</i>";
const HEADER: &str = "X-Key: <img src=x onerror=alert(1)> $(touch /tmp/tk-pwned) {token}";
const BASE_URL: &str = "https://api.example/<svg/onload=alert(1)>";

/// Elements the hostile strings would have made, and the document title they would have set.
async fn injected(app: &App) -> (u64, String) {
    let v = app
        .client
        .execute(
            "return [document.querySelectorAll('img, script:not([src]), i, b, [onerror], [onload]').length,
                     document.title]",
            vec![],
        )
        .await
        .unwrap();
    (v[0].as_u64().unwrap(), v[1].as_str().unwrap().to_string())
}

#[tokio::test]
async fn html_and_script_in_token_and_service_fields_show_as_text() {
    let mut seed = Seed::new();
    seed.vault
        .upsert_service(Service {
            name: SERVICE.into(),
            auth_header: HEADER.into(),
            token_prefix: None,
            base_url: Some(BASE_URL.into()),
            max_active: None,
        })
        .unwrap();
    seed.vault
        .generate(GenerateRequest {
            token: NewToken {
                name: NAME.into(),
                description: DESCRIPTION.into(),
                service: Some(SERVICE.into()),
                scopes: vec!["read".into()],
                ..Default::default()
            },
            keep: true,
        })
        .unwrap();
    let app = App::with("hostile-text", seed).await;
    let (_, title) = injected(&app).await;

    // The table: the literal name and service, nothing made from them.
    app.wait_rows(&[NAME]).await;
    let row = app.in_row(NAME, ".cell-name").await;
    let cell = app.text(&row).await;
    assert!(cell.contains(NAME) && cell.contains(SERVICE), "{cell}");
    assert_eq!(injected(&app).await, (0, title.clone()));

    // The details page: name, description and usage snippet as text.
    app.click(&app.in_row(NAME, ".token-name").await).await;
    app.wait_text("#details-name", |t| t == NAME).await;
    app.wait_text("#details-description", |t| t == DESCRIPTION)
        .await;
    let snippet = app.text("#usage-snippet").await;
    assert!(
        snippet.contains("'X-Key: <img src=x onerror=alert(1)> $(touch /tmp/tk-pwned) '\"$TOKEN\"")
            && snippet.contains("'https://api.example/<svg/onload=alert(1)>/...'"),
        "{snippet}"
    );
    assert_eq!(injected(&app).await, (0, title));
    assert!(!std::path::Path::new("/tmp/tk-pwned").exists());
    app.finish().await;
}

#[tokio::test]
async fn a_far_future_expiry_is_refused_in_the_generate_drawer() {
    let app = App::start("far-future-expiry").await;
    app.press("n").await;
    app.wait_css("#drawer.drawer--open").await;
    app.type_into("#f-name", "far future").await;
    app.select("#f-expiry", "custom").await;
    app.wait_css("#f-expiry-date").await;
    // What typing year 10000 into the date field leaves in it.
    app.run_js("document.getElementById('f-expiry-date').value = '10000-01-01'")
        .await;
    app.click("#form-submit").await;
    app.wait_text("#f-expiry-error", |t| {
        t == "The expiry date must be no later than 9999-12-31"
    })
    .await;
    app.screenshot("refused").await;
    assert!(
        app.vault().list(&Default::default()).unwrap().is_empty(),
        "a refused form stores nothing"
    );
    // The last day is accepted.
    app.run_js("document.getElementById('f-expiry-date').value = '9999-12-30'")
        .await;
    app.click("#form-submit").await;
    app.wait_css("#dlg-shown[open]").await;
    app.click("#shown-ok").await;
    app.wait_rows(&["far future"]).await;
    let stored = app.vault().list(&Default::default()).unwrap();
    assert_eq!(
        stored[0].expires_at.unwrap().format("%Y").to_string(),
        "9999"
    );
    app.finish().await;
}
