//! Fitting text into terminal cells: shortened at a word with an ellipsis where the start says
//! enough, shortened in the middle where an identifier's both ends matter, wrapped where the
//! reader needs all of it. Widths are terminal cells (a CJK character is two, a combining mark
//! none), never characters.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` padded with spaces to `columns` (as wide as it is when wider).
pub fn pad(s: &str, columns: usize) -> String {
    format!("{s}{}", " ".repeat(columns.saturating_sub(width(s))))
}

/// Cut `s` to `width` cells, marking the cut with "…". The cut never splits a number from its
/// digits or unit ("2 / 4G" is not shown as "2 / 4"), prefers a word boundary over a word's
/// middle, and drops what a cut leaves dangling (an arrow, an open parenthesis and what follows
/// it): a reader sees less, never something that reads as a different value.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let end = prefix_fitting(s, width - 1);
    let mut kept = &s[..end];
    let cut_inside_token = s[end..].chars().next().is_some_and(|c| !c.is_whitespace());
    if cut_inside_token {
        let token_start = kept.char_indices().rfind(|(_, c)| c.is_whitespace()).map_or(0, |(i, c)| i + c.len_utf8());
        let token = &kept[token_start..];
        // A word cut in its middle stays (a long name is better cut than gone) unless it is a
        // number, or a word boundary is near enough that cutting there loses little.
        let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
        let numeric = token.trim_start_matches(|c| "([+-−$≈~×".contains(c)).starts_with(|c: char| c.is_ascii_digit())
            || digit(token.chars().last())
            || digit(s[end..].chars().next());
        if numeric || token_start * 2 >= kept.len() {
            kept = &kept[..token_start];
        }
    }
    // What trimming leaves may still end in a number the text continues ("a0" of "a0.5"):
    // then the number goes too.
    loop {
        kept = trim_dangling(kept);
        let continued = s[kept.len()..].chars().next().is_some_and(|c| c.is_alphanumeric() || ".,%".contains(c));
        if !(continued && kept.ends_with(|c: char| c.is_ascii_digit())) {
            break;
        }
        kept = kept.trim_end_matches(|c: char| c.is_ascii_digit() || ".,".contains(c));
    }
    // A character's own width and its width in a sequence differ (an emoji with its variation
    // selector takes two cells where each alone takes one): the whole string has the last word.
    while !kept.is_empty() && kept.width() + 1 > width {
        kept = &kept[..kept.len() - kept.chars().last().map_or(0, char::len_utf8)];
    }
    format!("{kept}…")
}

/// Shorten `s` to `width` cells by replacing its middle with "…": for names, ARNs and ids,
/// whose start says which family and whose end says which one.
pub fn middle(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width <= 2 {
        return truncate(s, width);
    }
    let room = width - 1;
    let head = prefix_fitting(s, room * 2 / 5);
    let tail_room = room - s[..head].width();
    let mut tail = s.len();
    let mut used = 0;
    for (i, c) in s.char_indices().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_room || i < head {
            break;
        }
        used += w;
        tail = i;
    }
    let mut tail = &s[tail..];
    // As in `truncate`: sequences may be wider than their characters.
    while s[..head].width() + 1 + tail.width() > width && !tail.is_empty() {
        tail = &tail[tail.chars().next().map_or(0, char::len_utf8)..];
    }
    format!("{}…{}", &s[..head], tail)
}

/// The byte length of the longest prefix of `s` at most `width` cells wide.
fn prefix_fitting(s: &str, width: usize) -> usize {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            return i;
        }
        used += w;
    }
    s.len()
}

/// `kept` without trailing space, connectors ("→", "·", "-", "(") and an unclosed parenthesis
/// with what follows it ("add a replica (1 →" becomes "add a replica").
fn trim_dangling(mut kept: &str) -> &str {
    loop {
        let before = kept.len();
        kept = kept.trim_end_matches(|c: char| c.is_whitespace() || "→←·-–—(,:;/+×=.".contains(c));
        if let Some(open) = kept.rfind('(')
            && !kept[open..].contains(')')
            && open > 0
        {
            kept = &kept[..open];
        }
        if kept.len() == before {
            return kept;
        }
    }
}

/// `s` wrapped at word boundaries to `width` cells; lines after the first are indented by
/// `hang` spaces (so a "  · " bullet hangs). A word wider than a line is cut across lines.
pub fn wrap(s: &str, width: usize, hang: usize) -> Vec<String> {
    let width = width.max(hang + 2);
    let body = s.trim_start_matches(' ');
    let lead = s.len() - body.len();
    let mut lines = Vec::new();
    let mut line = " ".repeat(lead);
    let mut used = lead;
    // Whether the line holds a word yet (a word goes on a fresh line whatever its width).
    let mut fresh = true;
    for word in glue_units(body) {
        let word = word.as_str();
        let w = word.width();
        if !fresh && used + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            line.push_str(&" ".repeat(hang));
            used = hang;
            fresh = true;
        }
        if !fresh {
            line.push(' ');
            used += 1;
        }
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                lines.push(std::mem::take(&mut line));
                line.push_str(&" ".repeat(hang));
                used = hang;
            }
            line.push(if c == GLUE { ' ' } else { c });
            used += cw;
        }
        fresh = false;
    }
    lines.push(line);
    lines
}

/// Joins a number to the unit after it, so a wrap never leaves "6" at a line's end and "h ×5.2"
/// on the next.
const GLUE: char = '\u{a0}';

/// `s`'s words, a number and its unit ("6 h", "835 MiB", "99.9 %") as one.
fn glue_units(s: &str) -> Vec<String> {
    const UNITS: [&str; 13] = ["h", "d", "m", "s", "ms", "min", "%", "GiB", "MiB", "GB", "MB", "vCPU", "B/s"];
    let mut words: Vec<String> = Vec::new();
    for word in s.split(' ') {
        let number = words.last().is_some_and(|w: &String| {
            w.trim_start_matches(['×', '~', '≈', '$', '+', '-', '(']).starts_with(|c: char| c.is_ascii_digit())
        });
        let unit = UNITS.iter().any(|u| word.trim_end_matches([',', ')', ':', ';', '.']) == *u);
        match words.last_mut() {
            Some(last) if number && unit && !last.contains(GLUE) => {
                last.push(GLUE);
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
    }
    words
}

/// Rows under a header, each column as wide as its widest cell (at most `max_column`, cells
/// longer than that shortened by `shorten`), two spaces between columns, one line each.
pub fn aligned<const N: usize>(
    head: [&str; N],
    rows: &[[String; N]],
    max_column: usize,
    shorten: impl Fn(&str, usize) -> String,
) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).chain([head[i].chars().count()]).max().unwrap_or(0))
        .map(|w| w.min(max_column))
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{:<w$}", shorten(c, *w))).collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(head.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn truncate_counts_terminal_cells() {
        assert_eq!(truncate("orders-api", 20), "orders-api");
        assert_eq!(truncate("orders-api", 6), "order…");
        // Two cells a character: four cells hold one and the mark, not three.
        assert_eq!(truncate("注文サービス", 4), "注…");
        assert!(truncate("注文サービス", 4).width() <= 4);
        assert_eq!(truncate("注文", 4), "注文");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn truncate_never_leaves_a_cut_number_or_a_dangling_phrase() {
        let advice = "add a read replica (1 → 2) or shard the keyspace";
        assert_eq!(truncate(advice, 26), "add a read replica…");
        assert_eq!(truncate(advice, 30), "add a read replica (1 → 2) or…");
        assert_eq!(truncate("▲ 2 / 4G +$30.37", 6), "▲ 2…");
        assert_eq!(truncate("▲ m6g.large +$122.64", 17), "▲ m6g.large…");
        assert_eq!(truncate("for 342457 evictions → needs 3.5 GiB", 32), "for 342457 evictions → needs…");
        assert_eq!(truncate("12345678", 5), "…");
        // A long word is cut in its middle rather than lost; a name with digits is a word.
        assert_eq!(truncate("a supercalifragilistic", 12), "a supercali…");
        assert_eq!(truncate("▲ m6g.large +$122.64", 8), "▲ m6g.l…");
    }

    #[test]
    fn middle_keeps_both_ends_of_an_identifier() {
        assert_eq!(middle("prod-core/orders", 20), "prod-core/orders");
        let arn = "arn:aws:ecs:eu-west-1:123456789012:service/prod-core/orders";
        let short = middle(arn, 24);
        assert_eq!(short, "arn:aws:e…od-core/orders");
        assert_eq!(short.width(), 24);
        assert_eq!(middle("abcdef", 2), "a…");
    }

    #[test]
    fn wraps_at_words_with_a_hanging_indent_and_cuts_only_words_too_long_for_a_line() {
        let lines = wrap("  · peak memory 100% of 2.32 GiB usable → needs 3.35 GiB", 24, 4);
        assert_eq!(lines, ["  · peak memory 100% of", "    2.32 GiB usable →", "    needs 3.35 GiB"]);
        assert_eq!(wrap("short", 24, 4), ["short"]);
        assert_eq!(wrap("abcdefghij", 6, 2), ["abcdef", "  ghij"]);
        assert!(wrap("a b c d e f g h", 5, 2).iter().all(|l| l.chars().count() <= 5));
        // A number keeps its unit on its line.
        assert_eq!(wrap("burn 1 h ×10 · 6 h ×5.2", 16, 2), ["burn 1 h ×10 ·", "  6 h ×5.2"]);
    }

    proptest! {
        /// Whatever the text and width: the result fits, is a prefix of the text plus "…", and
        /// never ends in a number the text continued (a digit, a decimal, a unit).
        #[test]
        fn truncate_fits_and_never_cuts_a_number(s in "[a-z0-9 .→()$%/+-]{0,40}", width in 0usize..45) {
            let out = truncate(&s, width);
            prop_assert!(out.width() <= width);
            if out != s && width > 0 {
                let kept = out.strip_suffix('…').expect("a cut is marked");
                prop_assert!(s.starts_with(kept));
                let next = s[kept.len()..].chars().next();
                let last = kept.chars().last();
                let continued = next.is_some_and(|c| c.is_alphanumeric() || ".,%".contains(c));
                prop_assert!(
                    !(last.is_some_and(|c| c.is_ascii_digit()) && continued),
                    "{out:?} cuts a number of {s:?}"
                );
            }
        }

        #[test]
        fn truncate_fits_any_text(s in "\\PC{0,60}", width in 0usize..45) {
            prop_assert!(truncate(&s, width).width() <= width);
        }

        #[test]
        fn middle_fits(s in "\\PC{0,60}", width in 0usize..45) {
            prop_assert!(middle(&s, width).width() <= width);
        }
    }
}
