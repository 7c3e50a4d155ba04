//! The reference CLI on loopback: `tests/aws_cli_oracle.py` runs the real `aws cloudtrail
//! validate-logs` (PyPI `awscli`) against `moto_server` holding a trail's objects with their
//! digest signatures as S3 user metadata. Shared with the CLI's tests (`#[path]`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// The repository root.
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|p| p.join("tests/aws_cli_oracle.py").exists())
        .expect("the repository root holds tests/aws_cli_oracle.py")
        .to_path_buf()
}

/// The Python that has `awscli` and `moto[server]`; panics with how to get one.
pub(crate) fn python() -> PathBuf {
    let python = std::env::var_os("TRAILGUARD_TEST_PYTHON")
        .map(PathBuf::from)
        .or_else(|| Some(repo_root().join(".venv/bin/python")).filter(|p| p.exists()))
        .unwrap_or_else(|| {
            panic!(
                "the differential tests run the real AWS CLI against moto_server: run scripts/test \
                 (it installs tests/requirements.txt into .venv), or set TRAILGUARD_TEST_PYTHON to a \
                 Python where `pip install -r tests/requirements.txt` was run"
            )
        });
    let ok = Command::new(&python)
        .args(["-c", "import awscli, moto.server, boto3"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        ok.status.success(),
        "{} lacks awscli or moto[server]: run `{} -m pip install -r tests/requirements.txt` ({})",
        python.display(),
        python.display(),
        String::from_utf8_lossy(&ok.stderr)
    );
    python
}

/// A moto S3 server holding one bucket; stopped when dropped.
pub(crate) struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    pub(crate) url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Serve `objects` (key → bytes) in `bucket`, with `metadata` (key → S3 user metadata).
    pub(crate) fn start(
        bucket: &str,
        objects: &BTreeMap<String, Vec<u8>>,
        metadata: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("bucket");
        for (k, v) in objects {
            let p = root.join(k);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, v).unwrap();
        }
        Self::start_dir(bucket, &root, metadata, dir)
    }

    /// Serve the files under `root` (key = path relative to it).
    pub(crate) fn start_dir(
        bucket: &str,
        root: &Path,
        metadata: &BTreeMap<String, BTreeMap<String, String>>,
        dir: tempfile::TempDir,
    ) -> Server {
        Self::start_dir_with_keys(bucket, root, metadata, None, dir)
    }

    /// As [`Server::start_dir`]; with `public_keys` (a public keys file), moto's CloudTrail
    /// also answers `ListPublicKeys` with them.
    pub(crate) fn start_dir_with_keys(
        bucket: &str,
        root: &Path,
        metadata: &BTreeMap<String, BTreeMap<String, String>>,
        public_keys: Option<&serde_json::Value>,
        dir: tempfile::TempDir,
    ) -> Server {
        let spec = dir.path().join("serve.json");
        let mut body = serde_json::json!({"bucket": bucket, "dir": root, "metadata": metadata});
        if let Some(keys) = public_keys {
            body["public_keys"] = keys.clone();
        }
        std::fs::write(&spec, body.to_string()).unwrap();
        let mut child = Command::new(python())
            .arg(repo_root().join("tests/aws_cli_oracle.py"))
            .arg("serve")
            .arg(&spec)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start moto_server");
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read from the moto server");
        let url = line
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("moto server did not start: {line:?}"))
            .trim()
            .to_owned();
        Server {
            child,
            stdin,
            url,
            _dir: dir,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// What the reference CLI printed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CliOutput {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) exit: i32,
}

/// Run `aws cloudtrail validate-logs ARGS` against `server`, with `ListPublicKeys` answered
/// from `public_keys` (a public keys file) and `DescribeTrails` / `DescribeOrganization`
/// from `trails` / `organization`.
pub(crate) fn validate_logs(
    server: &Server,
    public_keys: &serde_json::Value,
    trails: &serde_json::Value,
    organization: Option<&str>,
    args: &[String],
) -> CliOutput {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("validate.json");
    let body = serde_json::json!({
        "endpoint": server.url,
        "public_keys": public_keys,
        "trails": trails,
        "organization_id": organization,
    });
    std::fs::File::create(&spec)
        .and_then(|mut f| f.write_all(body.to_string().as_bytes()))
        .unwrap();
    let out = Command::new(python())
        .arg(repo_root().join("tests/aws_cli_oracle.py"))
        .arg("validate")
        .arg(&spec)
        .arg("--")
        .args(["cloudtrail", "validate-logs"])
        .args(args)
        .output()
        .expect("run the AWS CLI");
    CliOutput {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        exit: out.status.code().unwrap_or(-1),
    }
}
