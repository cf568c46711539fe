//! The database servers of the `sqlx` and `redis` integration tests: the
//! ones CI started (`AIOS_TEST_PG_URL`, `AIOS_TEST_REDIS_URL`, set by
//! `.ci/db-servers.sh`), else servers of the test's own on free ports,
//! stopped on drop. No server, no pass: the tests fail rather than skip.

use super::free_port;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A PostgreSQL server: the one CI started, or one of our own, stopped on drop.
pub struct Postgres {
    pub url: String,
    own: Option<OwnPostgres>,
}

struct OwnPostgres {
    bin: PathBuf,
    dir: PathBuf,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Runs `script` with `sh`, as the `postgres` user when we are root
/// (PostgreSQL refuses to run as root).
fn run_as_postgres(script: &str) {
    let status = if is_root() {
        Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c", script])
            .status()
    } else {
        Command::new("sh").args(["-c", script]).status()
    };
    let status = status.expect("run a PostgreSQL command");
    assert!(status.success(), "`{script}` failed: {status}");
}

impl Postgres {
    pub fn start() -> Postgres {
        if let Ok(url) = std::env::var("AIOS_TEST_PG_URL") {
            return Postgres { url, own: None };
        }
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|version| version.path().join("bin"))
            .filter(|bin| bin.join("initdb").exists())
            .max_by_key(|bin| {
                bin.parent()
                    .and_then(Path::file_name)
                    .and_then(|v| v.to_str()?.parse::<u32>().ok())
                    .unwrap_or(0)
            })
            .expect(
                "PostgreSQL not found in /usr/lib/postgresql/*/bin: \
                 run `bash .ci/db-servers.sh start` (installs it) or set AIOS_TEST_PG_URL",
            );
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("aios-pg-test-{}-{}", std::process::id(), port));
        std::fs::create_dir_all(&dir).expect("create the data directory");
        if is_root() {
            let status = Command::new("chown")
                .args(["postgres:", dir.to_str().expect("utf-8 path")])
                .status()
                .expect("chown");
            assert!(status.success(), "chown postgres {}", dir.display());
        }
        let own = OwnPostgres { bin, dir };
        let (bin, dir) = (own.bin.display(), own.dir.display());
        run_as_postgres(&format!(
            "'{bin}/initdb' -D '{dir}/data' -A trust -U postgres --no-sync >/dev/null"
        ));
        run_as_postgres(&format!(
            "'{bin}/pg_ctl' -D '{dir}/data' -l '{dir}/log' -w -t 30 \
             -o '-k /tmp -p {port} -h 127.0.0.1 -c fsync=off' start >/dev/null"
        ));
        Postgres {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            own: Some(own),
        }
    }

    pub fn port(&self) -> i64 {
        let authority = self.url.rsplit('@').next().expect("url");
        let port = authority.split(['/', '?']).next().expect("authority");
        port.rsplit(':')
            .next()
            .expect("port")
            .parse()
            .expect("port")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(own) = &self.own {
            run_as_postgres(&format!(
                "'{}/pg_ctl' -D '{}/data' -m immediate -w stop >/dev/null",
                own.bin.display(),
                own.dir.display()
            ));
            let _ = std::fs::remove_dir_all(&own.dir);
        }
    }
}

/// A Redis server: the one CI started, or one of our own, killed on drop.
pub struct Redis {
    pub url: String,
    own: Option<Child>,
}

impl Redis {
    pub fn start() -> Redis {
        if let Ok(url) = std::env::var("AIOS_TEST_REDIS_URL") {
            return Redis { url, own: None };
        }
        let port = free_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect(
                "redis-server not found on PATH: run `bash .ci/db-servers.sh start` \
                 (installs it) or set AIOS_TEST_REDIS_URL",
            );
        let redis = Redis {
            url: format!("redis://127.0.0.1:{port}/"),
            own: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    pub fn port(&self) -> i64 {
        let authority = self.url.trim_start_matches("redis://");
        let authority = authority.rsplit('@').next().expect("authority");
        let host_port = authority.split('/').next().expect("host:port");
        host_port
            .rsplit(':')
            .next()
            .expect("port")
            .parse()
            .expect("port")
    }

    /// The URL of database `db`.
    pub fn url_of_db(&self, db: u8) -> String {
        let base = self.url.trim_end_matches('/');
        // An URL that already names a database keeps its host part only.
        let base = match base.trim_start_matches("redis://").split_once('/') {
            Some((authority, _)) => format!("redis://{authority}"),
            None => base.to_owned(),
        };
        format!("{base}/{db}")
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(child) = &mut self.own {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
