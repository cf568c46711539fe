//! What a span may say about a Redis command: its operation and its text
//! with every argument (keys and values alike) replaced by `?`.

use redis::{Arg, Cmd};

/// Commands whose second word names a sub-command (`CLIENT LIST`, `CONFIG GET`).
const CONTAINERS: &[&str] = &[
    "ACL", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DEBUG", "FUNCTION", "LATENCY", "MEMORY",
    "MODULE", "OBJECT", "PUBSUB", "SCRIPT", "SLOWLOG", "XGROUP", "XINFO",
];

/// One command as the span describes it: operation and sanitized text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Shape {
    pub(super) operation: String,
    pub(super) text: String,
}

/// A sub-command word worth naming: short and plain (never a key or value).
pub(super) fn plain_word(word: &[u8]) -> Option<String> {
    (!word.is_empty()
        && word.len() <= 32
        && word.iter().all(|b| b.is_ascii_alphabetic() || *b == b'-'))
    .then(|| String::from_utf8_lossy(word).to_ascii_uppercase())
}

pub(super) fn shape_of<'a>(mut args: impl Iterator<Item = &'a [u8]>, count: usize) -> Shape {
    let Some(name) = args.next() else {
        return Shape {
            operation: "UNKNOWN".to_owned(),
            text: String::new(),
        };
    };
    let mut operation = plain_word(name).unwrap_or_else(|| "UNKNOWN".to_owned());
    let mut named = 1;
    if CONTAINERS.contains(&operation.as_str()) {
        if let Some(sub) = args.next().and_then(plain_word) {
            operation.push(' ');
            operation.push_str(&sub);
            named = 2;
        }
    }
    let mut text = operation.clone();
    for _ in named..count {
        text.push_str(" ?");
    }
    Shape { operation, text }
}

pub(super) fn shape_of_cmd(cmd: &Cmd) -> Shape {
    let args = cmd.args_iter();
    let count = args.len();
    let words = args.map(|arg| match arg {
        Arg::Simple(bytes) => bytes,
        // A cursor (or anything newer) is an argument like any other: `?`.
        _ => &b"?"[..],
    });
    shape_of(words, count)
}

/// The commands of a RESP-encoded (packed) command or pipeline, as
/// `[arguments]` each; `None` if the bytes are not plain RESP arrays.
pub(super) fn unpack(mut bytes: &[u8]) -> Option<Vec<Vec<&[u8]>>> {
    fn line(bytes: &mut &[u8], marker: u8) -> Option<usize> {
        let rest = bytes.strip_prefix(&[marker])?;
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        let n = std::str::from_utf8(&rest[..end]).ok()?.parse().ok()?;
        *bytes = &rest[end + 2..];
        Some(n)
    }
    let mut commands = Vec::new();
    while !bytes.is_empty() {
        let count = line(&mut bytes, b'*')?;
        let mut args = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let len = line(&mut bytes, b'$')?;
            let arg = bytes.get(..len)?;
            bytes = bytes.get(len..)?.strip_prefix(b"\r\n")?;
            args.push(arg);
        }
        commands.push(args);
    }
    Some(commands)
}

pub(super) fn shapes_of_packed(packed: &[u8]) -> Vec<Shape> {
    match unpack(packed) {
        Some(commands) => commands
            .iter()
            .map(|args| shape_of(args.iter().copied(), args.len()))
            .collect(),
        None => vec![Shape {
            operation: "UNKNOWN".to_owned(),
            text: String::new(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::{shape_of_cmd, shapes_of_packed, unpack};

    fn shape(cmd: &redis::Cmd) -> (String, String) {
        let s = shape_of_cmd(cmd);
        (s.operation, s.text)
    }

    #[test]
    fn arguments_become_placeholders() {
        let mut set = redis::cmd("set");
        set.arg("session:42").arg("s3cr3t-value");
        assert_eq!(shape(&set), ("SET".into(), "SET ? ?".into()));
        assert_eq!(shape(&redis::cmd("PING")), ("PING".into(), "PING".into()));
        let mut config = redis::cmd("CONFIG");
        config.arg("GET").arg("maxmemory");
        assert_eq!(shape(&config), ("CONFIG GET".into(), "CONFIG GET ?".into()));
        // A sub-command slot holding data is not named.
        let mut odd = redis::cmd("CLIENT");
        odd.arg("s3cr3t:1");
        assert_eq!(shape(&odd), ("CLIENT".into(), "CLIENT ?".into()));
        let mut scan = redis::cmd("SCAN");
        scan.cursor_arg(0).arg("MATCH").arg("user:*");
        assert_eq!(shape(&scan), ("SCAN".into(), "SCAN ? ? ?".into()));
    }

    #[test]
    fn packed_commands_are_read() {
        let mut pipe = redis::pipe();
        pipe.atomic().set("k", "s3cr3t-value").get("k");
        let packed = pipe.get_packed_pipeline();
        let shapes = shapes_of_packed(&packed);
        let texts: Vec<_> = shapes.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["MULTI", "SET ? ?", "GET ?", "EXEC"]);
        assert!(unpack(b"*1\r\n$4\r\nPI").is_none());
        assert_eq!(shapes_of_packed(b"garbage")[0].operation, "UNKNOWN");
    }
}
