//! The embed finder's tests: every platform's markup, attribution, ids and dates.

use super::twitter::snowflake_time;
use super::*;
use crate::extract::BlockKind;
use crate::text::Dir;
use scraper::Html;

fn embeds(html: &str) -> Vec<Block> {
    let doc = Html::parse_document(html);
    let found = find(doc.root_element());
    // In document order.
    let mut ordered: Vec<(usize, Block)> = doc
        .root_element()
        .descendants()
        .enumerate()
        .filter_map(|(i, n)| found.get(&n.id()).map(|b| (i, b.clone())))
        .collect();
    ordered.sort_by_key(|(i, _)| *i);
    ordered.into_iter().map(|(_, b)| b).collect()
}

const KAN: &str = r#"<div class="social-media-embed"><blockquote class="twitter-tweet" data-lang="en"><p lang="iw" dir="rtl">הסתיימה פגישת דרמר-הוכשטיין: הפגישה הוגדרה &quot;קונסטרוקטיבית&quot; והדיונים יימשכו מחר<a href="https://twitter.com/AmichaiStein1?ref_src=twsrc%5Etfw">@AmichaiStein1</a></p>&mdash; כאן חדשות (@kann_news) <a href="https://twitter.com/kann_news/status/1859316893373411599?ref_src=twsrc%5Etfw">November 20, 2024</a></blockquote> <script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script></div>"#;

#[test]
fn the_kan_tweet_vector() {
    let found = embeds(KAN);
    assert_eq!(found.len(), 1);
    let b = &found[0];
    assert_eq!(b.kind, BlockKind::Embed);
    assert_eq!(
        b.text,
        "הסתיימה פגישת דרמר-הוכשטיין: הפגישה הוגדרה \"קונסטרוקטיבית\" והדיונים יימשכו מחר@AmichaiStein1"
    );
    assert_eq!((b.lang.as_deref(), b.dir), (Some("iw"), Some(Dir::Rtl)));
    let e = b.embed.as_ref().expect("embed");
    assert_eq!(e.platform, Platform::Twitter);
    assert_eq!(e.author.as_deref(), Some("כאן חדשות"));
    assert_eq!(e.handle.as_deref(), Some("kann_news"));
    assert_eq!(
        e.url.as_deref(),
        Some("https://twitter.com/kann_news/status/1859316893373411599")
    );
    assert_eq!(e.id.as_deref(), Some("1859316893373411599"));
    assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2024-11-20"));
    assert_eq!(
        e.published.map(|p| p.to_rfc3339()).as_deref(),
        Some("2024-11-20T19:24:26+00:00")
    );
}

#[test]
fn snowflakes_give_the_dates_the_widgets_show() {
    for (id, date) in [
        ("704420904437043200", "2016-02-29T21:40:05"),
        ("1196501054197649413", "2019-11-18T18:50:55"),
        ("752447667469443076", "2016-07-11T10:21:18"),
        ("1087047171306856451", "2019-01-20T18:00:16"),
    ] {
        let t = snowflake_time(id).expect("a snowflake");
        assert_eq!(t.format("%Y-%m-%dT%H:%M:%S").to_string(), date, "{id}");
    }
    assert_eq!(
        snowflake_time("20"),
        None,
        "ids before 2010 are not snowflakes"
    );
}

#[test]
fn x_com_statuses_and_a_query_are_canonical() {
    let html = r#"<blockquote class="twitter-tweet tw-align-center" data-conversation="none"><p lang="en" dir="ltr">Hello <a href="https://t.co/abc">pic.twitter.com/abc</a><br><br>World</p>— Some One (@some_one) <a href="https://mobile.x.com/some_one/statuses/1196501054197649413?s=20&amp;t=x">November 18, 2019</a></blockquote>"#;
    let b = &embeds(html)[0];
    assert_eq!(b.text, "Hello pic.twitter.com/abc\n\nWorld");
    let e = b.embed.as_ref().expect("embed");
    assert_eq!(
        e.url.as_deref(),
        Some("https://twitter.com/some_one/status/1196501054197649413")
    );
    assert_eq!(e.author.as_deref(), Some("Some One"));
}

#[test]
fn instagram_telegram_and_a_rendered_widget() {
    let html = r#"<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-permalink="https://www.instagram.com/p/B-zzzzzzzzz/?utm_source=ig_embed&amp;utm_campaign=loading" data-instgrm-version="12"><div><a href="https://www.instagram.com/p/B-zzzzzzzzz/">View this post on Instagram</a><p><a href="https://www.instagram.com/p/B-zzzzzzzzz/">ביקור ראשון בירושלים 🇮🇱<br>First visit to Jerusalem</a></p><p>A post shared by <a href="https://www.instagram.com/example_user/">Example User</a> (@example_user) on <time datetime="2020-04-10T18:47:00+00:00">Apr 10, 2020 at 11:47am PDT</time></p></div></blockquote>
<script async src="https://telegram.org/js/telegram-widget.js?22" data-telegram-post="kann_news/12345" data-width="100%"></script>
<div class="twitter-tweet twitter-tweet-rendered"><iframe data-tweet-id="752447667469443076" src="https://platform.twitter.com/embed/x"></iframe></div>"#;
    let found = embeds(html);
    assert_eq!(found.len(), 3);
    let ig = found[0].embed.as_ref().expect("instagram");
    assert_eq!(ig.platform, Platform::Instagram);
    assert_eq!(
        ig.url.as_deref(),
        Some("https://www.instagram.com/p/B-zzzzzzzzz/")
    );
    assert_eq!(
        (ig.author.as_deref(), ig.handle.as_deref()),
        (Some("Example User"), Some("example_user"))
    );
    assert_eq!(
        ig.date.map(|d| d.to_string()).as_deref(),
        Some("2020-04-10")
    );
    assert_eq!(
        found[0].text,
        "ביקור ראשון בירושלים 🇮🇱\nFirst visit to Jerusalem"
    );
    let tg = found[1].embed.as_ref().expect("telegram");
    assert_eq!(tg.url.as_deref(), Some("https://t.me/kann_news/12345"));
    assert_eq!(
        (tg.handle.as_deref(), tg.id.as_deref()),
        (Some("kann_news"), Some("12345"))
    );
    assert_eq!(found[1].text, "");
    let rendered = found[2].embed.as_ref().expect("rendered");
    assert_eq!(rendered.id.as_deref(), Some("752447667469443076"));
    assert_eq!(
        rendered.date.map(|d| d.to_string()).as_deref(),
        Some("2016-07-11")
    );
}

#[test]
fn only_http_links_and_outermost_roots() {
    let html = r#"<blockquote class="twitter-tweet"><p>x</p>— A (@a) <a href="javascript:alert(1)">link</a><blockquote class="twitter-tweet"><p>inner</p></blockquote></blockquote><div class="fb-post" data-href="javascript:alert(1)"></div>"#;
    let found = embeds(html);
    assert_eq!(found.len(), 2, "the inner tweet is part of the outer one");
    assert!(
        found
            .iter()
            .all(|b| b.embed.as_ref().is_some_and(|e| e.url.is_none()))
    );
}

#[test]
fn feed_content_embeds_come_out_in_order() {
    let blocks = crate::extract::html::blocks(&format!("<p>Before.</p>{KAN}<p>After.</p>"));
    let kinds: Vec<BlockKind> = blocks.iter().map(|b| b.kind).collect();
    assert_eq!(
        kinds,
        [BlockKind::Paragraph, BlockKind::Embed, BlockKind::Paragraph]
    );
    assert!(!blocks.iter().any(|b| b.text.contains("kann_news")));
    assert_eq!(
        blocks[1].embed.as_ref().and_then(|e| e.handle.as_deref()),
        Some("kann_news")
    );
}

#[test]
fn the_attribution_is_never_text() {
    let b = &embeds(KAN)[0];
    assert!(!b.text.contains("כאן חדשות"));
    assert!(!b.text.contains("November"));
    assert!(!b.text.contains('—'));
}

#[test]
fn a_tweet_split_into_paragraphs_by_the_page_keeps_them_all() {
    // WordPress turns the tweet's `<br><br>` into paragraphs and wraps the attribution too.
    let html = r#"<blockquote class="twitter-tweet"> <p lang="en" dir="ltr">Provided our vehicle
        AI computer is able to run the model.</p><p>Even in a robotaxi future.</p>
        <p>&mdash; Elon Musk (@elonmusk) <a href="https://twitter.com/elonmusk/status/1720918522082078752?ref_src=twsrc%5Etfw">November 4, 2023</a></p></blockquote>"#;
    let b = &embeds(html)[0];
    assert_eq!(
        b.text,
        "Provided our vehicle AI computer is able to run the model.\n\nEven in a robotaxi future."
    );
    let e = b.embed.as_ref().expect("embed");
    assert_eq!(e.author.as_deref(), Some("Elon Musk"));
    assert_eq!(e.handle.as_deref(), Some("elonmusk"));
    assert_eq!(b.lang.as_deref(), Some("en"));
}

#[test]
fn source_line_breaks_are_spaces_and_br_is_a_line_break() {
    let html = "<blockquote class=\"twitter-tweet tw-align-center\"> <p>Drinking game: <br />\n(1) Think of a noun <br />\n(2) drink</p>— Shay Friedman (@ironshay) <a href=\"https://twitter.com/ironshay/statuses/370525864523743232\">August 22, 2013</a></blockquote>";
    let b = &embeds(html)[0];
    assert_eq!(b.text, "Drinking game:\n(1) Think of a noun\n(2) drink");
    assert_eq!(b.lang, None);
    let e = b.embed.as_ref().expect("embed");
    assert_eq!(
        e.url.as_deref(),
        Some("https://twitter.com/ironshay/status/370525864523743232")
    );
    assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2013-08-22"));
}

#[test]
fn the_date_line_is_read_only_in_english_and_only_without_a_snowflake() {
    // Ids before 2010-11-04 carry no time: the date comes from the English date line.
    let tweet = |lang: &str, date: &str| {
        format!(
            r#"<blockquote class="twitter-tweet"{lang}><p lang="iw" dir="rtl">שלום</p>&mdash; א (@a_b) <a href="https://twitter.com/a_b/status/20">{date}</a></blockquote>"#
        )
    };
    let date = |html: &str| {
        embeds(html)[0]
            .embed
            .as_ref()
            .and_then(|e| e.date)
            .map(|d| d.to_string())
    };
    assert_eq!(
        date(&tweet("", "March 21, 2006")).as_deref(),
        Some("2006-03-21")
    );
    assert_eq!(
        date(&tweet(r#" data-lang="en""#, "March 21, 2006")).as_deref(),
        Some("2006-03-21")
    );
    assert_eq!(date(&tweet(r#" data-lang="he""#, "21 במרץ 2006")), None);
    let b = &embeds(&tweet(r#" data-lang="he""#, "21 במרץ 2006"))[0];
    assert_eq!(b.lang.as_deref(), Some("iw"), "p@lang, never data-lang");
    assert_eq!(b.dir, Some(Dir::Rtl));
}

#[test]
fn bare_tweet_blockquotes_take_the_handle_from_the_link() {
    let html = r#"<blockquote class="twitter-tweet" lang="de"><a href="https://twitter.com/DOSB/status/1489540934710743047">&nbsp;</a></blockquote>"#;
    let b = &embeds(html)[0];
    assert_eq!(b.text, "");
    let e = b.embed.as_ref().expect("embed");
    assert_eq!(
        (e.author.as_deref(), e.handle.as_deref()),
        (None, Some("DOSB"))
    );
    assert_eq!(
        e.url.as_deref(),
        Some("https://twitter.com/DOSB/status/1489540934710743047")
    );
    assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2022-02-04"));
}

#[test]
fn rendered_iframes_give_the_id() {
    let html = r#"<iframe id="twitter-widget-0" class="twitter-tweet twitter-tweet-rendered" data-tweet-id="800384752746254337" title="Twitter Tweet"></iframe>
<iframe src="https://platform.twitter.com/embed/Tweet.html?dnt=false&amp;id=1196501054197649413&amp;lang=en"></iframe>"#;
    let found = embeds(html);
    assert_eq!(found.len(), 2);
    let ids: Vec<Option<&str>> = found
        .iter()
        .map(|b| b.embed.as_ref().and_then(|e| e.id.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [Some("800384752746254337"), Some("1196501054197649413")]
    );
    let e = found[0].embed.as_ref().expect("embed");
    assert_eq!(
        e.url.as_deref(),
        Some("https://twitter.com/i/web/status/800384752746254337")
    );
    assert_eq!(found[0].text, "");
}

#[test]
fn instagram_attribution_in_german_is_not_the_caption() {
    let html = r#"<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/CFpGqZwl9j5/?utm_source=ig_embed&amp;utm_campaign=loading" data-instgrm-version="14"><div> <p>&nbsp;</p><a href="https://www.instagram.com/p/CFpGqZwl9j5/"><div>Sieh dir diesen Beitrag auf Instagram an</div></a><p><a href="https://www.instagram.com/p/CFpGqZwl9j5/?utm_source=ig_embed">Ein Beitrag geteilt von Eleonora Aricó (@eleonoraarico)</a></p></div></blockquote>"#;
    let b = &embeds(html)[0];
    assert_eq!(b.text, "");
    let e = b.embed.as_ref().expect("embed");
    assert_eq!(e.author.as_deref(), Some("Eleonora Aricó"));
    assert_eq!(e.handle.as_deref(), Some("eleonoraarico"));
    assert_eq!(
        e.url.as_deref(),
        Some("https://www.instagram.com/p/CFpGqZwl9j5/")
    );
    // The old snippet: no permalink attribute, the caption links the post.
    let html = r#"<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-version="7"><div><p><a href="https://www.instagram.com/p/BalQ2SWFty8/">What working at SKEP feels like</a></p> <p>Ein Beitrag geteilt von SKEP (@skep.association) am <time datetime="2017-10-23T07:31:37+00:00">23. Okt 2017</time></p></div></blockquote>"#;
    let b = &embeds(html)[0];
    assert_eq!(b.text, "What working at SKEP feels like");
    let e = b.embed.as_ref().expect("embed");
    assert_eq!(
        (e.author.as_deref(), e.handle.as_deref(), e.id.as_deref()),
        (Some("SKEP"), Some("skep.association"), Some("BalQ2SWFty8"))
    );
    assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2017-10-23"));
}

#[test]
fn facebook_posts_but_not_page_boxes() {
    let html = r#"<div class="fb-page" data-href="https://www.facebook.com/NationBarbados/"><blockquote cite="https://www.facebook.com/NationBarbados/" class="fb-xfbml-parse-ignore"><a href="https://www.facebook.com/NationBarbados/">The Nation Barbados</a></blockquote></div>
<blockquote cite="https://www.facebook.com/somepage/" class="fb-xfbml-parse-ignore"><a href="https://www.facebook.com/somepage/">Some page</a></blockquote>
<div class="fb-post" data-href="https://www.facebook.com/Sozialdemokratie/posts/928812574504508/?ref=embed" data-width="600"><blockquote cite="https://graph.facebook.com/Sozialdemokratie/videos/928812574504508/"><p>In Zeiten explodierender Kosten&#8230;</p><p>Posted by <a href="https://www.facebook.com/Sozialdemokratie">SPÖ</a> on&nbsp;<a href="https://graph.facebook.com/Sozialdemokratie/videos/928812574504508/">Monday, February 7, 2022</a></p></blockquote></div>
<blockquote class="fb-xfbml-parse-ignore" cite="https://www.facebook.com/permalink.php?story_fbid=123456&amp;id=789&amp;ref=x"><p>Text</p>Posted by <a href="https://www.facebook.com/profile.php?id=789">Someone</a> on <a href="https://www.facebook.com/permalink.php?story_fbid=123456&amp;id=789">June 1, 2020</a></blockquote>"#;
    let found = embeds(html);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].text, "In Zeiten explodierender Kosten…");
    let e = found[0].embed.as_ref().expect("embed");
    assert_eq!(e.platform, Platform::Facebook);
    assert_eq!(
        (e.author.as_deref(), e.handle.as_deref(), e.id.as_deref()),
        (
            Some("SPÖ"),
            Some("Sozialdemokratie"),
            Some("928812574504508")
        )
    );
    assert_eq!(
        e.url.as_deref(),
        Some("https://www.facebook.com/Sozialdemokratie/posts/928812574504508/")
    );
    assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2022-02-07"));
    assert_eq!(found[1].text, "Text");
    let e = found[1].embed.as_ref().expect("embed");
    assert_eq!(
        e.url.as_deref(),
        Some("https://www.facebook.com/permalink.php?story_fbid=123456&id=789")
    );
    assert_eq!(
        (e.author.as_deref(), e.handle.as_deref(), e.id.as_deref()),
        (Some("Someone"), None, Some("123456"))
    );
    assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2020-06-01"));
}

#[test]
fn bluesky_tiktok_threads_and_mastodon() {
    let html = r#"<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l6oveex3ii2l" data-bluesky-cid="bafy"><p lang="">Hello from Bluesky<br><br><a href="https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l?ref_src=embed">[image or embed]</a></p>&mdash; Bluesky (<a href="https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur?ref_src=embed">@bsky.app</a>) <a href="https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l?ref_src=embed">October 15, 2024 at 3:46 PM</a></blockquote>
<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@scout2015/video/6718335390845095173?lang=en" data-video-id="6718335390845095173"><section><a title="@scout2015" href="https://www.tiktok.com/@scout2015?refer=embed">@scout2015</a><p>Scramble up ur name <a href="https://www.tiktok.com/tag/foryoupage?refer=embed">#foryoupage</a></p><a href="https://www.tiktok.com/music/x">♬ original sound</a></section></blockquote>
<blockquote class="text-post-media" data-text-post-permalink="https://www.threads.net/@zuck/post/CuP48CiS5sx?xmt=1" data-text-post-version="0"><a href="https://www.threads.net/@zuck/post/CuP48CiS5sx"><div>View on Threads</div></a></blockquote>
<blockquote class="mastodon-embed" data-embed-url="https://mastodon.social/@Gargron/113386488431125917/embed"><a href="https://mastodon.social/@Gargron/113386488431125917"><div>Post by @Gargron@mastodon.social</div><div>View on Mastodon</div></a></blockquote>"#;
    let found = embeds(html);
    assert_eq!(found.len(), 4, "{found:#?}");
    let [bsky, tiktok, threads, mastodon] = [0, 1, 2, 3].map(|i| {
        (
            found[i].text.as_str(),
            found[i].embed.clone().expect("embed"),
        )
    });
    assert_eq!(bsky.0, "Hello from Bluesky");
    assert_eq!(found[0].lang, None);
    assert_eq!(
        (
            bsky.1.platform,
            bsky.1.author.as_deref(),
            bsky.1.handle.as_deref()
        ),
        (Platform::Bluesky, Some("Bluesky"), Some("bsky.app"))
    );
    assert_eq!(
        bsky.1.url.as_deref(),
        Some("https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l")
    );
    assert_eq!(bsky.1.id.as_deref(), Some("3l6oveex3ii2l"));
    assert_eq!(
        bsky.1.date.map(|d| d.to_string()).as_deref(),
        Some("2024-10-15")
    );
    assert_eq!(tiktok.0, "Scramble up ur name #foryoupage");
    assert_eq!(
        (tiktok.1.handle.as_deref(), tiktok.1.id.as_deref()),
        (Some("scout2015"), Some("6718335390845095173"))
    );
    assert_eq!(
        tiktok.1.url.as_deref(),
        Some("https://www.tiktok.com/@scout2015/video/6718335390845095173")
    );
    assert_eq!(threads.0, "");
    assert_eq!(
        (
            threads.1.platform,
            threads.1.handle.as_deref(),
            threads.1.id.as_deref()
        ),
        (Platform::Threads, Some("zuck"), Some("CuP48CiS5sx"))
    );
    assert_eq!(
        threads.1.url.as_deref(),
        Some("https://www.threads.net/@zuck/post/CuP48CiS5sx")
    );
    assert_eq!(mastodon.0, "");
    assert_eq!(
        (mastodon.1.handle.as_deref(), mastodon.1.id.as_deref()),
        (Some("Gargron@mastodon.social"), Some("113386488431125917"))
    );
    assert_eq!(
        mastodon.1.url.as_deref(),
        Some("https://mastodon.social/@Gargron/113386488431125917")
    );
}

#[test]
fn no_url_but_http_and_no_trouble_with_hostile_markup() {
    let html = r#"<blockquote class="instagram-media" data-instgrm-permalink="javascript:alert(1)"><p>A post shared by X (@x)</p></blockquote>
<blockquote class="tiktok-embed" cite="data:text/html,hi"></blockquote>
<blockquote class="bluesky-embed" data-bluesky-uri="at://did:x/app.bsky.feed.post/zz"><p>x</p>&mdash; (@) <a href="javascript:1">d</a></blockquote>
<script data-telegram-post="../../etc/passwd"></script><script data-telegram-post="chan/12x"></script>
<div class="fb-post" data-href="data:,x"></div><blockquote class="twitter-tweet"><p>(@</p>(@ ) (@(@x</blockquote>
<blockquote class="mastodon-embed" data-embed-url="javascript:alert(1)"></blockquote>"#;
    for b in embeds(html) {
        let e = b.embed.expect("embed");
        assert!(
            e.url.as_deref().is_none_or(|u| u.starts_with("https://")),
            "{e:?}"
        );
    }
    // Deep nesting: found without recursion.
    // About the deepest nesting `markup::cost::parse_cost` lets through to the parser.
    let depth = 5_000;
    let deep = format!("{}{KAN}{}", "<div>".repeat(depth), "</div>".repeat(depth));
    let doc = Html::parse_document(&deep);
    assert_eq!(find(doc.root_element()).len(), 1);
    let nested = format!(
        "{}<p>x</p>{}",
        r#"<blockquote class="twitter-tweet"><p>t</p>"#.repeat(depth),
        "</blockquote>".repeat(depth)
    );
    let doc = Html::parse_document(&nested);
    assert_eq!(find(doc.root_element()).len(), 1);
}
