//! What a span needs to know about an SQL statement, read from its text:
//! the operation (`SELECT`) and, where one is easy to find, the table.
//! Comments and string literals are skipped, so no value in the statement
//! can end up in a span name.

/// Characters of an SQL word (identifiers, keywords, qualified and quoted names).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '"' | '`' | '$')
}

/// The statement's words and punctuation, without comments or string literals.
pub(super) fn tokens(sql: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else {
            return out;
        };
        if rest.starts_with("--") {
            rest = rest.find('\n').map_or("", |i| &rest[i + 1..]);
        } else if rest.starts_with("/*") {
            rest = rest.find("*/").map_or("", |i| &rest[i + 2..]);
        } else if c == '\'' {
            // A literal: skipped, never inspected (`''` escapes stay inside).
            let mut end = rest.len();
            let mut chars = rest.char_indices().skip(1).peekable();
            while let Some((i, ch)) = chars.next() {
                if ch == '\'' {
                    if chars.peek().is_some_and(|(_, next)| *next == '\'') {
                        chars.next();
                    } else {
                        end = i + 1;
                        break;
                    }
                }
            }
            rest = &rest[end..];
        } else if is_word_char(c) {
            // A word runs to the first non-word character outside quotes
            // (`"my table"`, `"public"."Users"`).
            let mut quote = None;
            let mut end = rest.len();
            for (i, ch) in rest.char_indices() {
                match quote {
                    Some(q) if ch == q => quote = None,
                    Some(_) => {}
                    None if ch == '"' || ch == '`' => quote = Some(ch),
                    None if !is_word_char(ch) => {
                        end = i;
                        break;
                    }
                    None => {}
                }
            }
            out.push(&rest[..end]);
            rest = &rest[end..];
        } else {
            out.push(&rest[..c.len_utf8()]);
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// A table name token, unquoted; `None` for anything else (a subquery, a parameter).
fn table_name(token: Option<&&str>) -> Option<String> {
    let token = *token?;
    let first = token.chars().next()?;
    if !(first.is_alphabetic() || first == '_' || first == '"' || first == '`') {
        return None;
    }
    let name: String = token.chars().filter(|c| !matches!(c, '"' | '`')).collect();
    (!name.is_empty()).then_some(name)
}

/// `db.operation.name` and, when a single table is easy to find, `db.collection.name`.
pub(super) fn operation_and_table(sql: &str) -> (Option<String>, Option<String>) {
    let tokens = tokens(sql);
    let Some(first) = tokens
        .iter()
        .position(|t| t.chars().next().is_some_and(char::is_alphabetic))
    else {
        return (None, None);
    };
    let tokens = &tokens[first..];
    let operation = tokens[0].to_ascii_uppercase();
    let upper: Vec<String> = tokens.iter().map(|t| t.to_ascii_uppercase()).collect();
    let keyword_at = |keyword: &str| upper.iter().position(|t| t == keyword);
    // Tokens after `TABLE [IF [NOT] EXISTS]`.
    let after_table = || {
        let mut i = keyword_at("TABLE")? + 1;
        if upper.get(i).is_some_and(|t| t == "IF") {
            i += 1;
            if upper.get(i).is_some_and(|t| t == "NOT") {
                i += 1;
            }
            i += 1; // EXISTS
        }
        table_name(tokens.get(i))
    };
    let table = match operation.as_str() {
        "SELECT" | "DELETE" => {
            // One table only: `FROM a, b` or a JOIN make the target ambiguous.
            let from = keyword_at("FROM");
            let joined = upper.iter().any(|t| t == "JOIN");
            match from {
                Some(i) if !joined && tokens.get(i + 2) != Some(&",") => {
                    table_name(tokens.get(i + 1))
                }
                _ => None,
            }
        }
        "INSERT" | "REPLACE" => keyword_at("INTO").and_then(|i| table_name(tokens.get(i + 1))),
        "UPDATE" => {
            let i = if upper.get(1).is_some_and(|t| t == "ONLY") {
                2
            } else {
                1
            };
            table_name(tokens.get(i))
        }
        "CREATE" | "DROP" | "ALTER" => {
            // Only for tables (not indexes, views, …): `CREATE [TEMP] TABLE`.
            let table_pos = keyword_at("TABLE");
            let index_pos = keyword_at("INDEX");
            match (table_pos, index_pos) {
                (Some(_), None) => after_table(),
                _ => None,
            }
        }
        "TRUNCATE" => {
            if upper.get(1).is_some_and(|t| t == "TABLE") {
                table_name(tokens.get(2))
            } else {
                table_name(tokens.get(1))
            }
        }
        _ => None,
    };
    (Some(operation), table)
}

#[cfg(test)]
mod tests {
    use super::{operation_and_table, tokens};

    fn parsed(sql: &str) -> (Option<&'static str>, Option<String>) {
        let (op, table) = operation_and_table(sql);
        (op.map(|o| &*o.leak()), table)
    }

    #[test]
    fn operations_and_tables() {
        let t = |s: &str| Some(s.to_owned());
        assert_eq!(
            parsed("SELECT id, name FROM users WHERE id = $1"),
            (Some("SELECT"), t("users"))
        );
        assert_eq!(
            parsed("  select * from public.\"Users\" u"),
            (Some("SELECT"), t("public.Users"))
        );
        assert_eq!(
            parsed("SELECT * FROM a JOIN b ON a.id = b.id"),
            (Some("SELECT"), None)
        );
        assert_eq!(parsed("SELECT * FROM a, b"), (Some("SELECT"), None));
        assert_eq!(parsed("SELECT 1"), (Some("SELECT"), None));
        assert_eq!(
            parsed("SELECT * FROM (SELECT 1) AS x"),
            (Some("SELECT"), None)
        );
        assert_eq!(
            parsed("INSERT INTO orders (id, total) VALUES ($1, $2)"),
            (Some("INSERT"), t("orders"))
        );
        assert_eq!(
            parsed("update ONLY accounts SET x = ?"),
            (Some("UPDATE"), t("accounts"))
        );
        assert_eq!(
            parsed("DELETE FROM sessions WHERE expired"),
            (Some("DELETE"), t("sessions"))
        );
        assert_eq!(
            parsed("CREATE TABLE IF NOT EXISTS users (id INT)"),
            (Some("CREATE"), t("users"))
        );
        assert_eq!(
            parsed("DROP TABLE IF EXISTS users"),
            (Some("DROP"), t("users"))
        );
        assert_eq!(
            parsed("CREATE INDEX i ON users (id)"),
            (Some("CREATE"), None)
        );
        assert_eq!(parsed("TRUNCATE users"), (Some("TRUNCATE"), t("users")));
        assert_eq!(
            parsed("SELECT * FROM \"my table\" WHERE x = 1"),
            (Some("SELECT"), t("my table"))
        );
        assert_eq!(parsed("BEGIN"), (Some("BEGIN"), None));
        assert_eq!(
            parsed("-- list\n/* all */ SELECT x FROM t"),
            (Some("SELECT"), t("t"))
        );
        assert_eq!(parsed(""), (None, None));
    }

    #[test]
    fn literals_are_skipped() {
        assert_eq!(
            tokens("SELECT 'it''s FROM x' FROM t"),
            ["SELECT", "FROM", "t"]
        );
        assert_eq!(tokens("SELECT 'open"), ["SELECT"]);
    }
}
