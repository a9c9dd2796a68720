//! What pages put in the document head.
//!
//! leptos_meta 0.8 writes the `<title>` text into the server's HTML as it
//! is, unescaped, so a search query or a product name containing
//! `</title><script>` would become markup (reflected or stored XSS). Every
//! page title goes through [`page_title`], the one formatter the app
//! installs, which escapes it for HTML on the server. `<Meta>` attribute
//! values need nothing: leptos escapes attributes itself.

/// The document title for a page titled `text`: "text · Bazaar".
///
/// On the server the result is HTML-escaped, because it is spliced into the
/// HTML as is; in the browser it is assigned to `document.title`, which
/// takes plain text, so escaping there would show `&lt;` to the reader.
pub fn page_title(text: String) -> String {
    let title = format!("{text} · Bazaar");
    #[cfg(feature = "ssr")]
    let title = html_escape::encode_text(&title).into_owned();
    title
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::page_title;

    #[test]
    fn markup_in_a_title_stays_text() {
        assert_eq!(
            page_title("</title><script>alert(1)</script>".into()),
            "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Bazaar"
        );
        assert_eq!(page_title("Salt & pepper".into()), "Salt &amp; pepper · Bazaar");
    }

    #[test]
    fn plain_titles_are_unchanged() {
        assert_eq!(page_title("Your cart".into()), "Your cart · Bazaar");
    }
}
