//! Runs the Rotel collector (PyPI package `rotel`) as a relay in front of an
//! [`OtlpReceiver`].

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::{OtlpReceiver, Transport};

/// How long to wait for Rotel's ports to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// Attempts at starting Rotel (a free port can be taken between picking it and
/// Rotel binding it).
const START_ATTEMPTS: usize = 3;

static INSTANCE: AtomicU64 = AtomicU64::new(0);

/// A running Rotel child process that receives OTLP (gRPC and HTTP, on two free
/// ports of `127.0.0.1`) and exports it to an [`OtlpReceiver`] with the
/// receiver's transport, with batching disabled so spans are relayed at once.
/// The child is killed on drop.
///
/// Rotel is started as:
///
/// ```text
/// rotel-agent start --otlp-grpc-endpoint 127.0.0.1:<p1> --otlp-http-endpoint 127.0.0.1:<p2>
///     --exporter otlp --otlp-exporter-endpoint http://127.0.0.1:<receiver port>
///     --otlp-exporter-protocol grpc|http --disable-batching
///     --otlp-exporter-retry-initial-backoff 100ms --otlp-exporter-retry-max-backoff 1s
///     --otlp-exporter-retry-max-elapsed-time 30s
/// ```
#[derive(Debug)]
pub struct Rotel {
    child: Option<Child>,
    receive: Transport,
    grpc_addr: SocketAddr,
    http_addr: SocketAddr,
    log_path: PathBuf,
    binary: PathBuf,
}

impl Rotel {
    /// Starts Rotel relaying to `forward_to`; returns once both of its ports
    /// accept connections. `receive` picks which of its endpoints
    /// [`Rotel::endpoint`] returns (it listens on both either way).
    pub fn start(receive: Transport, forward_to: &OtlpReceiver) -> Result<Rotel, String> {
        Self::start_with_args(receive, forward_to, &[])
    }

    /// Like [`Rotel::start`], with extra command-line arguments appended to
    /// `rotel start ...` (later flags override earlier ones).
    pub fn start_with_args(
        receive: Transport,
        forward_to: &OtlpReceiver,
        extra_args: &[&str],
    ) -> Result<Rotel, String> {
        let binary = Self::find_binary().ok_or_else(|| {
            "rotel binary not found: set ROTEL_BIN, put rotel/rotel-agent on PATH, or \
             `pip install rotel==0.0.1a15`"
                .to_owned()
        })?;
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            match Self::try_start(&binary, receive, forward_to, extra_args) {
                Ok(rotel) => return Ok(rotel),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    fn try_start(
        binary: &Path,
        receive: Transport,
        forward_to: &OtlpReceiver,
        extra_args: &[&str],
    ) -> Result<Rotel, String> {
        let (grpc_addr, http_addr) = two_free_ports().map_err(|e| format!("no free port: {e}"))?;
        let log_path = std::env::temp_dir().join(format!(
            "aios-rotel-{}-{}.log",
            std::process::id(),
            INSTANCE.fetch_add(1, Ordering::SeqCst)
        ));
        let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let protocol = match forward_to.transport() {
            Transport::Grpc => "grpc",
            Transport::Http => "http",
        };
        let child = Command::new(binary)
            .arg("start")
            .args(["--otlp-grpc-endpoint", &grpc_addr.to_string()])
            .args(["--otlp-http-endpoint", &http_addr.to_string()])
            .args(["--exporter", "otlp"])
            .args(["--otlp-exporter-endpoint", &forward_to.endpoint()])
            .args(["--otlp-exporter-protocol", protocol])
            .arg("--disable-batching")
            .args(["--otlp-exporter-retry-initial-backoff", "100ms"])
            .args(["--otlp-exporter-retry-max-backoff", "1s"])
            .args(["--otlp-exporter-retry-max-elapsed-time", "30s"])
            .args(extra_args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let mut rotel = Rotel {
            child: Some(child),
            receive,
            grpc_addr,
            http_addr,
            log_path,
            binary: binary.to_owned(),
        };
        rotel.wait_ready()?;
        Ok(rotel)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!(
                        "rotel exited early ({status}); log:\n{}",
                        self.log()
                    ));
                }
            }
            let up = |addr: &SocketAddr| {
                TcpStream::connect_timeout(addr, Duration::from_millis(200)).is_ok()
            };
            if up(&self.grpc_addr) && up(&self.http_addr) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "rotel did not listen on {} and {} within {READY_TIMEOUT:?}; log:\n{}",
                    self.grpc_addr,
                    self.http_addr,
                    self.log()
                ));
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// Finds the Rotel binary: `$ROTEL_BIN`, else `rotel` or `rotel-agent` on
    /// `PATH`, else `rotel-agent`/`rotel` inside the installed Python package
    /// (`python3 -c 'import rotel'`).
    pub fn find_binary() -> Option<PathBuf> {
        if let Some(bin) = std::env::var_os("ROTEL_BIN") {
            let bin = PathBuf::from(bin);
            return is_executable(&bin).then_some(bin);
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        for dir in std::env::split_paths(&path) {
            for name in ["rotel", "rotel-agent"] {
                let candidate = dir.join(name);
                if is_executable(&candidate) {
                    return Some(candidate);
                }
            }
        }
        let out = Command::new("python3")
            .args([
                "-c",
                "import rotel, os; print(os.path.dirname(rotel.__file__))",
            ])
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        ["rotel-agent", "rotel"]
            .iter()
            .map(|name| dir.join(name))
            .find(|p| is_executable(p))
    }

    /// The binary this instance runs.
    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// The endpoint for the `receive` transport given at start:
    /// [`Rotel::grpc_endpoint`] or [`Rotel::http_endpoint`].
    pub fn endpoint(&self) -> String {
        match self.receive {
            Transport::Grpc => self.grpc_endpoint(),
            Transport::Http => self.http_endpoint(),
        }
    }

    /// `http://127.0.0.1:<port>` of Rotel's OTLP/gRPC receiver.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://{}", self.grpc_addr)
    }

    /// `http://127.0.0.1:<port>` of Rotel's OTLP/HTTP receiver (base URL, without
    /// `/v1/traces`).
    pub fn http_endpoint(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// Address of Rotel's OTLP/gRPC receiver.
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    /// Address of Rotel's OTLP/HTTP receiver.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The child's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Rotel's output (stdout and stderr) so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Kills the child and waits for it. Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

/// Two distinct free ports on 127.0.0.1 (both held while picking).
fn two_free_ports() -> std::io::Result<(SocketAddr, SocketAddr)> {
    let a = TcpListener::bind("127.0.0.1:0")?;
    let b = TcpListener::bind("127.0.0.1:0")?;
    Ok((a.local_addr()?, b.local_addr()?))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}
