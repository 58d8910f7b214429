//! Terminal set-up and, whatever happens, restoration: on quit, on error (a guard's Drop), on
//! panic (a hook that restores before the report prints) and on signals (handled as Quit).

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, event, execute, terminal};
use std::io::{self, BufWriter, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};

/// A frame is buffered and written in one go (flushed by `Terminal::draw`): fewer syscalls, and
/// a terminal (or tmux's `capture-pane`) never sees half a frame.
pub type Tui = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// Big enough for a full 300×100 frame with colours.
const FRAME_BUFFER: usize = 256 * 1024;

/// Whether the terminal is in the app's state (raw, alternate screen) and needs restoring.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Put the terminal back: raw mode off, main screen, cursor shown. Only the first call after
/// `init` does anything: leaving the alternate screen twice would move the cursor back to where
/// it was saved, so the shell's prompt would overwrite a panic report printed in between.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        event::DisableMouseCapture,
        event::DisableFocusChange,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

/// Mouse capture on (clicks and the wheel come to the app; shift-drag still selects text in
/// most terminals) or off (the terminal's own selection).
pub fn mouse_capture(on: bool) -> io::Result<()> {
    if on {
        execute!(io::stdout(), event::EnableMouseCapture)
    } else {
        execute!(io::stdout(), event::DisableMouseCapture)
    }
}

/// Restores the terminal when dropped, including during an error's unwinding.
pub struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

pub fn init() -> io::Result<(Tui, TerminalGuard)> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A panic on the UI thread ends the app: restore the terminal, then report. A panic on a
        // worker is caught and shown as that pane's error, so it must not touch the screen.
        if std::thread::current().name() == Some("main") {
            restore();
            hook(info);
        } else {
            tracing::error!("panic on a worker thread: {info}");
        }
    }));
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let guard = TerminalGuard;
    // Focus reports (where the terminal sends them): an unwatched console is read less often.
    execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide, event::EnableFocusChange)?;
    let tui = Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(FRAME_BUFFER, io::stdout())))?;
    Ok((tui, guard))
}

/// Hand the terminal to a child (a shell session): mouse and focus reports off, the main
/// screen, the cursor shown, and (unless `keep_raw`: the demo's shell reads keys itself) raw
/// mode off, so the child finds the terminal as a shell leaves it.
pub fn suspend(keep_raw: bool) -> io::Result<()> {
    execute!(
        io::stdout(),
        event::DisableMouseCapture,
        event::DisableFocusChange,
        terminal::LeaveAlternateScreen,
        cursor::Show
    )?;
    if !keep_raw {
        terminal::disable_raw_mode()?;
    }
    Ok(())
}

/// Take the terminal back after [`suspend`]: raw mode, the alternate screen, focus reports and
/// (if it was on) mouse capture. The caller clears and redraws.
pub fn resume(mouse: bool) -> io::Result<()> {
    terminal::enable_raw_mode()?;
    execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide, event::EnableFocusChange)?;
    if mouse {
        execute!(io::stdout(), event::EnableMouseCapture)?;
    }
    Ok(())
}

/// The signals a foreground `infradeck exec` leaves to the session (Ctrl-C, Ctrl-\, Ctrl-Z):
/// caught and ignored while it runs, as the AWS CLI does.
#[cfg(unix)]
pub fn ignore_session_signals() -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    for kind in [SignalKind::interrupt(), SignalKind::quit(), SignalKind::from_raw(libc::SIGTSTP)] {
        let mut s = signal(kind)?;
        tokio::spawn(async move { while s.recv().await.is_some() {} });
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn ignore_session_signals() -> io::Result<()> {
    Ok(())
}
