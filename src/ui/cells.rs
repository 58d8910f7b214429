//! Writing text straight into the frame's buffer. Ratatui's widgets segment every character
//! into graphemes and restyle whole areas; for the text the panes draw themselves (ASCII, box
//! drawing, blocks, a few marks) that was most of a frame's time, so such text is written a
//! character per cell here, and anything else still takes ratatui's careful path.

use crate::common::text::{middle, truncate};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Characters that are one cell wide and never join a neighbour into one grapheme: what the
/// panes draw themselves (ASCII, Latin-1, dashes and dots, arrows, box drawing, blocks and
/// shapes, a few marks).
fn plain(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a1}'..='\u{ac}' | '\u{ae}'..='\u{ff}' | '\u{2010}'..='\u{2027}' | '\u{2190}'..='\u{21ff}'
        | '\u{2500}'..='\u{25fc}' | '\u{2714}' | '\u{2716}' | '\u{27f3}')
}

/// Write `text` at (x, y) in at most `width` cells; returns the x after it. Plain text is
/// written a character per cell; anything else (names from AWS may hold any Unicode) goes
/// through ratatui's grapheme- and width-aware path.
pub fn put(buf: &mut Buffer, x: u16, y: u16, width: u16, text: &str, style: Style) -> u16 {
    if !text.chars().all(plain) {
        return buf.set_stringn(x, y, text, width as usize, style).0;
    }
    let mut at = x;
    for c in text.chars().take(width as usize) {
        buf[(at, y)].set_char(c).set_style(style);
        at += 1;
    }
    at
}

/// `line` fitted to `width` cells: shortened at a word with "…" (see `text::truncate`), or in
/// the middle for an identifier. The spans keep their styles; the mark takes the last one's.
pub fn fit_line(line: Line<'_>, width: usize, identifier: bool) -> Line<'_> {
    if line.width() <= width {
        return line;
    }
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let first = line.spans.first().map(|s| s.style).unwrap_or_default();
    if identifier {
        return Line::from(Span::styled(middle(&text, width), first)).style(line.style);
    }
    let short = truncate(&text, width);
    let Some(kept) = short.strip_suffix('…') else { return Line::default() };
    let keep = kept.len();
    let (mut spans, mut at, mut last) = (Vec::new(), 0, first);
    for span in &line.spans {
        if at >= keep {
            break;
        }
        let n = span.content.len().min(keep - at);
        spans.push(Span::styled(span.content[..n].to_string(), span.style));
        last = span.style;
        at += span.content.len();
    }
    spans.push(Span::styled("…", last));
    Line::from(spans).style(line.style)
}

/// Lines from the top of `area`, one per row, cut at its right edge (a `Paragraph` without
/// wrapping). A line aligned other than left is drawn by ratatui.
pub fn lines(buf: &mut Buffer, area: Rect, lines: &[Line]) {
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        if matches!(line.alignment, Some(Alignment::Center | Alignment::Right)) {
            ratatui::widgets::Widget::render(line, Rect { y, height: 1, ..area }, buf);
            continue;
        }
        // As ratatui does: the line's own style covers the whole row (a selected row's highlight).
        if line.style != Style::default() {
            buf.set_style(Rect { y, height: 1, ..area }, line.style);
        }
        let (mut x, end) = (area.x, area.right());
        for span in &line.spans {
            if x >= end {
                break;
            }
            x = put(buf, x, y, end - x, &span.content, line.style.patch(span.style));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(buf: &Buffer, y: u16) -> String {
        (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect()
    }

    #[test]
    fn plain_and_unusual_text_land_cell_for_cell_like_ratatui_would() {
        for text in ["orders ▲ 97% ▁▂▃█ — ok", "名前 wide", "e\u{301}clair", "👩‍💻 dev", "tab\there"]
        {
            let area = Rect::new(0, 0, 12, 1);
            let (mut ours, mut theirs) = (Buffer::empty(area), Buffer::empty(area));
            lines(&mut ours, area, &[Line::from(Span::raw(text))]);
            ratatui::widgets::Widget::render(ratatui::widgets::Paragraph::new(Line::from(text)), area, &mut theirs);
            assert_eq!(row(&ours, 0), row(&theirs, 0), "{text:?}");
        }
    }

    #[test]
    fn text_stops_at_the_edge_and_keeps_its_style() {
        let area = Rect::new(2, 1, 5, 2);
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 3));
        let red = Style::new().fg(ratatui::style::Color::Red);
        lines(&mut buf, area, &[Line::from(Span::styled("abcdefgh", red)), Line::from("x"), Line::from("never")]);
        assert_eq!(row(&buf, 1), "  abcde   ");
        assert_eq!(row(&buf, 2), "  x       ");
        assert_eq!(buf[(3, 1)].fg, ratatui::style::Color::Red);
    }
}
