//! The demo fleet's shell: the same hand-over of the terminal as a real ECS Exec session, with a
//! small prompt that answers as the task would (`hostname` is the task id, `env` with its
//! secrets masked, `ps`, `exit`). It reads keys itself, in raw mode, so Ctrl-C and Ctrl-Z reach
//! it as they would reach a remote shell, never infradeck.

use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use std::io::{self, Write};

/// What the simulated task knows about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedTask {
    pub session_id: String,
    pub cluster: String,
    pub service: String,
    pub task_id: String,
    pub container: String,
    pub image: String,
    pub command: String,
    /// The container's environment, as the task definition sets it (masked when shown).
    pub env: Vec<(String, String)>,
}

/// What one line typed at the prompt prints, and whether the shell exits (with that status).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub lines: Vec<String>,
    pub exit: Option<i32>,
}

impl SimulatedTask {
    pub fn prompt(&self) -> String {
        format!("{}@{}:/app# ", "root", &self.task_id[..self.task_id.len().min(12)])
    }

    /// The banner the plugin prints when a session starts.
    pub fn banner(&self) -> Vec<String> {
        vec![
            String::new(),
            format!("Starting session with SessionId: {}", self.session_id),
            format!(
                "(demo fleet: a simulated shell in {}/{} task {} container {}; try hostname, env, ps, exit)",
                self.cluster, self.service, self.task_id, self.container
            ),
        ]
    }

    /// The answer to one line.
    pub fn answer(&self, line: &str) -> Answer {
        let words: Vec<&str> = line.split_whitespace().collect();
        let lines = |v: Vec<String>| Answer { lines: v, exit: None };
        match words.as_slice() {
            [] => lines(Vec::new()),
            ["exit"] => Answer { lines: vec![self.goodbye()], exit: Some(0) },
            ["exit", code] => Answer { lines: vec![self.goodbye()], exit: Some(code.parse().unwrap_or(0)) },
            ["hostname"] => lines(vec![self.task_id.clone()]),
            ["env"] | ["printenv"] => lines(
                self.env.iter().map(|(k, v)| crate::common::mask::secrets(&format!("{k}={v}")).into_owned()).collect(),
            ),
            ["ps", ..] => lines(vec![
                "  PID USER     TIME  COMMAND".into(),
                format!("    1 root     0:42  {}", self.image_command()),
                format!("   17 root     0:00  {}", self.command),
                "   23 root     0:00  ps".into(),
            ]),
            ["whoami"] => lines(vec!["root".into()]),
            ["pwd"] => lines(vec!["/app".into()]),
            [cmd, ..] => {
                lines(vec![format!("{}: {cmd}: not found (demo fleet: try hostname, env, ps, exit)", self.command)])
            }
        }
    }

    fn goodbye(&self) -> String {
        format!("Exiting session with sessionId: {}.", self.session_id)
    }

    fn image_command(&self) -> String {
        let name = self.image.rsplit('/').next().unwrap_or(&self.image);
        format!("/app/{}", name.split(':').next().unwrap_or(name))
    }
}

/// Run the shell on the terminal (raw mode on, the alternate screen left) until `exit`, Ctrl-D
/// or the terminal goes away. Returns the exit status.
pub fn run(task: &SimulatedTask, out: &mut impl Write) -> io::Result<i32> {
    for line in task.banner() {
        write!(out, "{line}\r\n")?;
    }
    write!(out, "\r\n{}", task.prompt())?;
    out.flush()?;
    let mut line = String::new();
    loop {
        let Event::Key(key) = event::read()? else { continue };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            // As a remote shell: ^C drops the line, ^Z and ^\ have no job to stop here.
            KeyCode::Char('c') if ctrl => {
                line.clear();
                write!(out, "^C\r\n{}", task.prompt())?;
            }
            KeyCode::Char('z') | KeyCode::Char('\\') if ctrl => {
                write!(out, "^{}\r\n{}", if key.code == KeyCode::Char('z') { 'Z' } else { '\\' }, task.prompt())?;
            }
            KeyCode::Char('d') if ctrl && line.is_empty() => {
                write!(out, "exit\r\n{}\r\n", task.goodbye())?;
                out.flush()?;
                return Ok(0);
            }
            KeyCode::Char(c) if !ctrl => {
                line.push(c);
                write!(out, "{c}")?;
            }
            KeyCode::Backspace if line.pop().is_some() => write!(out, "\x08 \x08")?,
            KeyCode::Enter => {
                write!(out, "\r\n")?;
                let answer = task.answer(&line);
                line.clear();
                for l in &answer.lines {
                    write!(out, "{l}\r\n")?;
                }
                if let Some(code) = answer.exit {
                    out.flush()?;
                    return Ok(code);
                }
                write!(out, "{}", task.prompt())?;
            }
            _ => {}
        }
        out.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> SimulatedTask {
        SimulatedTask {
            session_id: "demo-3f2a9c1b".into(),
            cluster: "prod-core".into(),
            service: "orders".into(),
            task_id: "3f2a9c1b7d4e4f0012345678".into(),
            container: "orders".into(),
            image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:2026.11.3".into(),
            command: "/bin/sh".into(),
            env: vec![
                ("AWS_REGION".into(), "us-east-1".into()),
                ("DB_PASSWORD".into(), "hunter2-prod".into()),
                ("STRIPE_API_KEY".into(), "sk_live_51Habc".into()),
            ],
        }
    }

    #[test]
    fn it_answers_as_the_task_would_and_never_shows_a_secret() {
        let t = task();
        assert_eq!(t.answer("hostname").lines, ["3f2a9c1b7d4e4f0012345678"]);
        let env = t.answer("env").lines.join("\n");
        assert!(env.contains("AWS_REGION=us-east-1"), "{env}");
        assert!(!env.contains("hunter2") && !env.contains("sk_live"), "{env}");
        assert!(t.answer("ps").lines.iter().any(|l| l.contains("/app/orders")));
        assert_eq!(t.answer("exit").exit, Some(0));
        assert_eq!(t.answer("exit 3").exit, Some(3));
        assert!(t.answer("curl localhost").lines[0].contains("not found"));
        assert_eq!(t.prompt(), "root@3f2a9c1b7d4e:/app# ");
    }
}
