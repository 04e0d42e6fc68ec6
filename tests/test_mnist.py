"""Tests of grader.mnist: IDX parsing, verification, the search path and the downloader.

Everything runs on tiny synthetic IDX files with their own checksums; the downloader talks to
an ``http.server`` on 127.0.0.1 only (a guard below fails any other connection). One test
loads the real dataset, found through ``$NNKATA_DATA`` or ``data/mnist/``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import io
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from grader import mnist
from grader.mnist import (
    FILES,
    MnistCorruptError,
    MnistDownloadError,
    MnistNotFound,
    download_mnist,
    find_data_dir,
    load_mnist,
    mnist_as_float,
    read_split,
)

# Captured before any test changes them, for the one test that wants the real dataset.
REAL_ENV = os.environ.get(mnist.ENV_VAR)
REAL_DEFAULT_DIR = mnist.DEFAULT_DATA_DIR

ALL_NAMES = [name for pair in FILES.values() for name in pair]
SIZES = {"train": 5, "test": 3}


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    header = struct.pack(f">{1 + array.ndim}I", magic, *array.shape)
    return header + array.astype(np.uint8).tobytes()


@dataclass(frozen=True)
class Synthetic:
    payloads: Mapping[str, bytes]  # file name -> uncompressed IDX bytes
    checksums: Mapping[str, str]
    arrays: Mapping[str, np.ndarray]

    def write(self, directory: Path, *, gz: bool = True, names: list[str] | None = None) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name in names or ALL_NAMES:
            if gz:
                (directory / f"{name}.gz").write_bytes(gzip.compress(self.payloads[name], mtime=0))
            else:
                (directory / name).write_bytes(self.payloads[name])
        return directory


@pytest.fixture(scope="module")
def synthetic() -> Synthetic:
    rng = np.random.default_rng(0)
    payloads, arrays = {}, {}
    for split, (images_name, labels_name) in FILES.items():
        images = rng.integers(0, 256, size=(SIZES[split], 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=SIZES[split], dtype=np.uint8)
        payloads[images_name] = idx_bytes(images, 2051)
        payloads[labels_name] = idx_bytes(labels, 2049)
        arrays[images_name], arrays[labels_name] = images, labels
    checksums = {name: hashlib.sha256(data).hexdigest() for name, data in payloads.items()}
    return Synthetic(payloads, checksums, arrays)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real dataset, no proxies, and no connection anywhere but 127.0.0.1."""
    monkeypatch.delenv(mnist.ENV_VAR, raising=False)
    monkeypatch.setattr(mnist, "DEFAULT_DATA_DIR", tmp_path / "repo" / "data" / "mnist")
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    real_connect = socket.create_connection

    def local_only(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        if address[0] not in ("127.0.0.1", "localhost"):
            raise AssertionError(f"test tried to reach {address[0]}: only 127.0.0.1 is allowed")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", local_only)


# --------------------------------------------------------------------------------------------
# Parsing and verification


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "plain"])
def test_reads_both_splits_gzip_or_plain(synthetic: Synthetic, tmp_path: Path, gz: bool) -> None:
    directory = synthetic.write(tmp_path / "d", gz=gz)
    for split, (images_name, labels_name) in FILES.items():
        images, labels = load_mnist(split, directory, checksums=synthetic.checksums)
        assert images.shape == (SIZES[split], 28, 28) and images.dtype == np.uint8
        assert labels.shape == (SIZES[split],) and labels.dtype == np.uint8
        np.testing.assert_array_equal(images, synthetic.arrays[images_name])
        np.testing.assert_array_equal(labels, synthetic.arrays[labels_name])


def test_plain_file_is_preferred_and_content_decides_compression(synthetic: Synthetic, tmp_path: Path) -> None:
    directory = synthetic.write(tmp_path / "d", gz=False, names=list(FILES["test"]))
    images_name, labels_name = FILES["test"]
    # A broken .gz next to a good plain file is ignored: the plain one is read.
    (directory / f"{images_name}.gz").write_bytes(b"\x1f\x8bnot really gzip")
    # A ".gz" that a browser already unpacked is still read correctly.
    (directory / labels_name).rename(directory / f"{labels_name}.gz")
    images, labels = read_split(directory, "test", checksums=synthetic.checksums)
    np.testing.assert_array_equal(images, synthetic.arrays[images_name])
    np.testing.assert_array_equal(labels, synthetic.arrays[labels_name])


def test_results_are_cached_and_read_only(synthetic: Synthetic, tmp_path: Path) -> None:
    directory = synthetic.write(tmp_path / "d")
    images, labels = load_mnist("train", directory, checksums=synthetic.checksums)
    again = load_mnist("train", directory, checksums=synthetic.checksums)
    assert again[0] is images and again[1] is labels
    for array in (images, labels):
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0] = 1
        with pytest.raises(ValueError):
            array.setflags(write=True)


def test_replaced_file_is_read_again(synthetic: Synthetic, tmp_path: Path) -> None:
    directory = synthetic.write(tmp_path / "d", gz=False)
    load_mnist("test", directory, checksums=synthetic.checksums)
    broken = directory / FILES["test"][1]
    broken.write_bytes(synthetic.payloads[FILES["test"][1]][:-1])
    with pytest.raises(MnistCorruptError, match="truncated"):
        load_mnist("test", directory, checksums=synthetic.checksums)


def test_checksum_mismatch_names_the_file_and_the_fix(synthetic: Synthetic, tmp_path: Path) -> None:
    directory = synthetic.write(tmp_path / "d")
    name = FILES["test"][0]
    altered = bytearray(synthetic.payloads[name])
    altered[-1] ^= 0xFF  # same structure, one pixel changed
    (directory / f"{name}.gz").write_bytes(gzip.compress(bytes(altered)))
    with pytest.raises(MnistCorruptError) as caught:
        load_mnist("test", directory, checksums=synthetic.checksums)
    message = str(caught.value)
    assert str(directory / f"{name}.gz") in message
    assert "corrupt or incomplete" in message and "SHA-256" in message
    assert synthetic.checksums[name] in message
    assert "Delete" in message and "python -m grader download-mnist" in message
    assert isinstance(caught.value, ValueError)


def test_real_checksums_are_the_default(synthetic: Synthetic, tmp_path: Path) -> None:
    # Synthetic files are structurally fine but are not MNIST: the canonical sums reject them.
    directory = synthetic.write(tmp_path / "d")
    with pytest.raises(MnistCorruptError, match=r"expected 0fa7898d5092.*the real file has 7,840,016"):
        load_mnist("test", directory)


def _truncate(data: bytes) -> bytes:
    return data[:-7]


def _bad_magic(data: bytes) -> bytes:
    return struct.pack(">I", 2049) + data[4:]


def _wrong_rows(data: bytes) -> bytes:
    return data[:8] + struct.pack(">I", 27) + data[12:]


def _header_only(data: bytes) -> bytes:
    return data[:6]


def _extra_bytes(data: bytes) -> bytes:
    return data + b"\0"


@pytest.mark.parametrize(
    ("damage", "gz", "expected"),
    [
        (_truncate, False, r"promises 3 images.*so it is truncated"),
        (_bad_magic, False, r"magic number is 2049.*starts with 2051"),
        (_wrong_rows, False, r"shape \(3, 27, 28\)"),
        (_header_only, False, r"6 bytes long, shorter than the 16-byte IDX header"),
        (_extra_bytes, False, r"followed by extra bytes"),
        (_truncate, True, r"not a complete gzip archive"),
    ],
    ids=["truncated", "bad-magic", "wrong-rows", "no-header", "extra-bytes", "truncated-gz"],
)
def test_malformed_file_is_reported_by_name(
    synthetic: Synthetic, tmp_path: Path, damage: Callable[[bytes], bytes], gz: bool, expected: str
) -> None:
    directory = synthetic.write(tmp_path / "d", gz=gz)
    name = FILES["test"][0]
    target = directory / (f"{name}.gz" if gz else name)
    target.write_bytes(damage(target.read_bytes()))
    with pytest.raises(MnistCorruptError, match=expected) as caught:
        load_mnist("test", directory, checksums=synthetic.checksums)
    assert str(target) in str(caught.value)
    assert "corrupt or incomplete" in str(caught.value)


def test_images_and_labels_must_agree(synthetic: Synthetic, tmp_path: Path) -> None:
    directory = synthetic.write(tmp_path / "d", gz=False)
    labels_name = FILES["test"][1]
    # Labels of the train split (5) next to images of the test split (3).
    (directory / labels_name).write_bytes(synthetic.payloads[FILES["train"][1]])
    sums = {**synthetic.checksums, labels_name: synthetic.checksums[FILES["train"][1]]}
    with pytest.raises(MnistCorruptError, match=r"3 images but .* 5 labels"):
        read_split(directory, "test", checksums=sums)


def test_unknown_split_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_mnist("validation", tmp_path)


# --------------------------------------------------------------------------------------------
# Finding the files


def test_missing_files_explain_where_and_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(MnistNotFound) as caught:
        load_mnist("train")
    message = str(caught.value)
    assert isinstance(caught.value, FileNotFoundError)
    assert "\n" not in message  # one paragraph
    assert "NNKATA_DATA (not set)" in message
    assert str(mnist.DEFAULT_DATA_DIR) in message and "no such folder" in message
    assert "python -m grader download-mnist" in message
    assert "set the NNKATA_DATA environment variable" in message
    assert all(name in message for name in ALL_NAMES)


def test_missing_files_in_nnkata_data_are_listed(
    synthetic: Synthetic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = synthetic.write(tmp_path / "env", names=[FILES["train"][0]])
    monkeypatch.setenv("NNKATA_DATA", str(directory))
    with pytest.raises(MnistNotFound, match=rf"NNKATA_DATA = {directory} \(missing train-labels-idx1-ubyte\)"):
        load_mnist("train")
    with pytest.raises(MnistNotFound, match="given as data_dir"):
        load_mnist("test", directory)


def test_nnkata_data_takes_precedence_over_data_mnist(
    synthetic: Synthetic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo_dir = synthetic.write(mnist.DEFAULT_DATA_DIR)
    env_dir = synthetic.write(tmp_path / "env", gz=False)
    assert find_data_dir() == repo_dir
    monkeypatch.setenv("NNKATA_DATA", str(env_dir))
    assert find_data_dir() == env_dir
    images, _ = load_mnist("test", checksums=synthetic.checksums)
    assert images.shape == (3, 28, 28)
    # An incomplete $NNKATA_DATA is passed over in favour of a complete data/mnist/.
    (env_dir / FILES["train"][1]).unlink()
    assert find_data_dir() == repo_dir
    assert find_data_dir("test") == env_dir


# --------------------------------------------------------------------------------------------
# mnist_as_float


def test_mnist_as_float() -> None:
    images = np.array([np.full((28, 28), 255), np.zeros((28, 28))], dtype=np.uint8)
    images[1, 0, 1] = 51
    flat = mnist_as_float(images)
    assert flat.shape == (2, 784) and flat.dtype == np.float64
    assert flat[0].min() == flat[0].max() == 1.0 and flat[1, 1] == pytest.approx(0.2)
    assert flat.flags.writeable
    np.testing.assert_array_equal(mnist_as_float(images.reshape(2, 784)), flat)
    with pytest.raises(TypeError, match="uint8"):
        mnist_as_float(flat)
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        mnist_as_float(images[:, :27])


# --------------------------------------------------------------------------------------------
# Downloading, from a local server


@dataclass
class Server:
    base: str
    requests: list[str] = field(default_factory=list)


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.path.startswith("/short/"):
            # Promises more bytes than it sends, then hangs up.
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"\x1f\x8b" + b"\0" * 98)
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(synthetic: Synthetic, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("mirrors")
    for name, payload in synthetic.payloads.items():
        for mirror, data in (("good", payload), ("bad", payload[:-1] + bytes([payload[-1] ^ 1]))):
            (root / mirror).mkdir(exist_ok=True)
            (root / mirror / f"{name}.gz").write_bytes(gzip.compress(data))
    requests: list[str] = []
    handler = type("Handler", (_Handler,), {"requests": requests})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", requests)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def local(server: Server) -> Server:
    server.requests.clear()
    return server


@pytest.fixture
def refused() -> str:
    """A base URL on a port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def download(dest: Path, mirrors: list[str], synthetic: Synthetic) -> tuple[Path, str]:
    out = io.StringIO()
    result = download_mnist(dest, mirrors=mirrors, progress=out, timeout=5, checksums=synthetic.checksums)
    return result, out.getvalue()


def test_download_fetches_verifies_and_reports(synthetic: Synthetic, tmp_path: Path, local: Server) -> None:
    dest = tmp_path / "new" / "mnist"
    result, log = download(dest, [f"{local.base}/good/"], synthetic)
    assert result == dest
    assert sorted(p.name for p in dest.iterdir()) == sorted(f"{name}.gz" for name in ALL_NAMES)
    for name in ALL_NAMES:
        size = (dest / f"{name}.gz").stat().st_size
        assert f"{name}.gz: {size:,} / {size:,} bytes (100%)" in log
    images, labels = load_mnist("train", dest, checksums=synthetic.checksums)
    np.testing.assert_array_equal(images, synthetic.arrays[FILES["train"][0]])
    np.testing.assert_array_equal(labels, synthetic.arrays[FILES["train"][1]])


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_download_progress_on_a_terminal_ends_each_file_on_one_line(
    synthetic: Synthetic, tmp_path: Path, local: Server
) -> None:
    out = _Terminal()
    download_mnist(tmp_path, mirrors=[f"{local.base}/good/"], progress=out, timeout=5, checksums=synthetic.checksums)
    finished = [line for line in out.getvalue().split("\n") if "(100%)" in line]
    assert len(finished) == 4 and all(line.startswith("\r  ") for line in finished)


def test_download_falls_back_to_the_next_mirror(
    synthetic: Synthetic, tmp_path: Path, local: Server, refused: str
) -> None:
    dest = tmp_path / "mnist"
    _, log = download(dest, [f"{local.base}/missing/", refused, f"{local.base}/good/"], synthetic)
    assert "HTTP 404" in log and "cannot connect" in log
    assert sorted(p.name for p in dest.iterdir()) == sorted(f"{name}.gz" for name in ALL_NAMES)
    read_split(dest, "test", checksums=synthetic.checksums)


def test_corrupt_payload_is_rejected_and_not_kept(synthetic: Synthetic, tmp_path: Path, local: Server) -> None:
    dest = tmp_path / "mnist"
    with pytest.raises(MnistDownloadError, match="failed verification: the SHA-256") as caught:
        download(dest, [f"{local.base}/bad/"], synthetic)
    assert f"{local.base}/bad/" in str(caught.value)
    assert list(dest.iterdir()) == []
    # With a good mirror after it, the bad copy is skipped and the good one kept.
    download(dest, [f"{local.base}/bad/", f"{local.base}/good/"], synthetic)
    read_split(dest, "train", checksums=synthetic.checksums)


def test_no_reachable_mirror_raises_a_clear_error(
    synthetic: Synthetic, tmp_path: Path, local: Server, refused: str
) -> None:
    dest = tmp_path / "mnist"
    mirrors = [refused, f"{local.base}/missing/"]
    with pytest.raises(MnistDownloadError) as caught:
        download(dest, mirrors, synthetic)
    message = str(caught.value)
    assert isinstance(caught.value, OSError)
    assert f"{refused}{ALL_NAMES[0]}.gz (cannot connect" in message
    assert f"{local.base}/missing/{ALL_NAMES[0]}.gz (HTTP 404" in message
    assert "Last error: HTTP 404" in message
    assert "by hand" in message and str(dest) in message and "NNKATA_DATA" in message
    assert list(dest.iterdir()) == []


def test_short_response_is_not_kept(synthetic: Synthetic, tmp_path: Path, local: Server) -> None:
    dest = tmp_path / "mnist"
    with pytest.raises(MnistDownloadError, match="connection closed after 100 of 1,000 bytes"):
        download(dest, [f"{local.base}/short/"], synthetic)
    assert list(dest.iterdir()) == []


def test_present_valid_files_are_not_downloaded_again(synthetic: Synthetic, tmp_path: Path, local: Server) -> None:
    dest = synthetic.write(tmp_path / "mnist", gz=False, names=ALL_NAMES[:2])
    synthetic.write(dest, gz=True, names=ALL_NAMES[2:])
    before = {p.name: p.stat().st_mtime_ns for p in dest.iterdir()}
    _, log = download(dest, [f"{local.base}/good/"], synthetic)
    assert local.requests == []
    assert log.count("already present and valid") == 4
    assert {p.name: p.stat().st_mtime_ns for p in dest.iterdir()} == before


def test_invalid_present_file_is_replaced(synthetic: Synthetic, tmp_path: Path, local: Server) -> None:
    dest = synthetic.write(tmp_path / "mnist", gz=False)
    bad = dest / FILES["test"][0]
    bad.write_bytes(b"\0\0\x08\x03")
    _, log = download(dest, [f"{local.base}/good/"], synthetic)
    assert local.requests == [f"/good/{bad.name}.gz"]
    assert "invalid" in log
    assert not bad.exists()
    read_split(dest, "test", checksums=synthetic.checksums)


def test_load_mnist_downloads_when_asked(
    synthetic: Synthetic, tmp_path: Path, local: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mnist, "MIRRORS", (f"{local.base}/good/",))
    with pytest.raises(MnistNotFound):
        load_mnist("test", checksums=synthetic.checksums)
    images, labels = load_mnist("test", download=True, checksums=synthetic.checksums)
    assert images.shape == (3, 28, 28) and labels.shape == (3,)
    assert find_data_dir() == mnist.DEFAULT_DATA_DIR
    explicit = tmp_path / "explicit"
    load_mnist("train", explicit, download=True, checksums=synthetic.checksums)
    assert len(list(explicit.iterdir())) == 4


# --------------------------------------------------------------------------------------------
# The real dataset


def test_real_mnist(monkeypatch: pytest.MonkeyPatch) -> None:
    if REAL_ENV is not None:
        monkeypatch.setenv(mnist.ENV_VAR, REAL_ENV)
    monkeypatch.setattr(mnist, "DEFAULT_DATA_DIR", REAL_DEFAULT_DIR)
    if find_data_dir() is None:
        reason = (
            f"MNIST is not on this machine (looked in ${mnist.ENV_VAR} and {REAL_DEFAULT_DIR}); "
            f"run `python -m grader download-mnist` or set {mnist.ENV_VAR} to test the real data."
        )
        if os.environ.get("CI"):
            pytest.fail(f"MNIST is required in CI. {reason}")
        pytest.skip(reason)
    for split, size in (("train", 60_000), ("test", 10_000)):
        images, labels = load_mnist(split)
        assert images.shape == (size, 28, 28) and images.dtype == np.uint8
        assert labels.shape == (size,) and labels.dtype == np.uint8
        assert labels.min() == 0 and labels.max() == 9
        assert set(np.unique(labels)) == set(range(10))
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the well-known first test digits


def test_the_command_line_downloads_mnist_once_when_it_is_missing(
    synthetic: Synthetic, local: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from grader.cli import ensure_mnist

    monkeypatch.delenv("NNKATA_OFFLINE")
    monkeypatch.setattr(mnist, "MIRRORS", (f"{local.base}/good/",))
    monkeypatch.setattr(mnist, "SHA256", synthetic.checksums)
    ensure_mnist()
    assert "downloading it once" in capsys.readouterr().err
    assert find_data_dir() == mnist.DEFAULT_DATA_DIR and len(local.requests) == 4
    ensure_mnist()
    assert len(local.requests) == 4 and capsys.readouterr().err == ""


def test_the_command_line_says_what_to_do_when_the_download_fails(
    refused: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grader.cli import UserError, ensure_mnist

    monkeypatch.delenv("NNKATA_OFFLINE")
    monkeypatch.setattr(mnist, "MIRRORS", (refused,))
    with pytest.raises(UserError, match="set NNKATA_DATA to the folder"):
        ensure_mnist()


def test_offline_the_command_line_downloads_nothing_and_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.cli import UserError, ensure_mnist

    monkeypatch.setenv("NNKATA_OFFLINE", "1")
    with pytest.raises(UserError, match="NNKATA_OFFLINE is set") as raised:
        ensure_mnist()
    assert "download-mnist" in str(raised.value)


def test_offline_with_half_the_dataset_downloads_nothing(
    synthetic: Synthetic, local: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from grader.cli import UserError, ensure_mnist

    monkeypatch.setattr(mnist, "MIRRORS", (f"{local.base}/good/",))
    monkeypatch.setattr(mnist, "SHA256", synthetic.checksums)
    monkeypatch.setenv("NNKATA_DATA", str(synthetic.write(tmp_path / "half", names=list(FILES["train"]))))
    monkeypatch.setenv("NNKATA_OFFLINE", "1")
    with pytest.raises(UserError, match="NNKATA_OFFLINE is set"):
        ensure_mnist()
    assert local.requests == []
