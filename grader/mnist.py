"""MNIST: find, verify, parse and (on request) download the four IDX files.

Only the standard library and NumPy are imported here, so that anything may load it cheaply:
the `train` command, the checks, and a learner's own experiments
(``from grader.mnist import load_mnist``).

Where the files are looked for, in order:

1. ``$NNKATA_DATA``, if set;
2. ``<repository root>/data/mnist/`` (:data:`DEFAULT_DATA_DIR`, git-ignored).

A folder counts if it holds the files, each either gzip-compressed (``name.gz``) or not
(``name``). Every file is checked against the SHA-256 of its *uncompressed* contents, because
different copies of MNIST wrap the same canonical payload in different gzip archives.

Typical use::

    from grader.mnist import load_mnist, mnist_as_float

    images, labels = load_mnist("train")   # uint8 (60000, 28, 28), uint8 (60000,)
    x = mnist_as_float(images)             # float64 (60000, 784) in [0, 1]
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

import numpy as np

__all__ = [
    "DEFAULT_DATA_DIR",
    "ENV_VAR",
    "FILES",
    "MIRRORS",
    "SHA256",
    "SIZES",
    "MnistCorruptError",
    "MnistDownloadError",
    "MnistError",
    "MnistNotFound",
    "clear_cache",
    "download_mnist",
    "find_data_dir",
    "load_mnist",
    "mnist_as_float",
    "read_split",
]

ENV_VAR = "NNKATA_DATA"

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Where ``python -m grader download-mnist`` puts the files; ``/data/mnist/`` is git-ignored.
DEFAULT_DATA_DIR = REPO_ROOT / "data" / "mnist"

#: split -> (images file name, labels file name), without the ``.gz`` suffix.
FILES: Mapping[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

#: SHA-256 of the uncompressed files, the same for every faithful copy of MNIST.
SHA256: Mapping[str, str] = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

#: Size in bytes of the uncompressed files (only used to make error messages concrete).
SIZES: Mapping[str, int] = {
    "train-images-idx3-ubyte": 47_040_016,
    "train-labels-idx1-ubyte": 60_008,
    "t10k-images-idx3-ubyte": 7_840_016,
    "t10k-labels-idx1-ubyte": 10_008,
}

#: Public mirrors serving ``<name>.gz``, tried in order (the original yann.lecun.com site
#: now answers with an error page or asks for a login, so it is not listed).
MIRRORS: Sequence[str] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
_ROWS = _COLS = 28
_GZIP_MAGIC = b"\x1f\x8b"
_DOWNLOAD_COMMAND = "python -m grader download-mnist"
_USER_AGENT = "nnkata-mnist-downloader (Python urllib)"
_CHUNK = 1 << 16


class MnistError(Exception):
    """Base class of every error this module raises on purpose."""


class MnistNotFound(MnistError, FileNotFoundError):  # noqa: N818 (public name, kept for callers)
    """The MNIST files are in none of the places looked at (and downloading was not asked for)."""


class MnistCorruptError(MnistError, ValueError):
    """A file exists but is not the MNIST file it should be (truncated, malformed or altered).

    ``path`` is the offending file and ``problem`` the reason, without the advice.
    """

    def __init__(self, message: str, *, path: Path | None = None, problem: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.problem = problem or message


class MnistDownloadError(MnistError, OSError):
    """No mirror delivered a file that passed verification."""


# --------------------------------------------------------------------------------------------
# Finding the files


def _split_files(split: str) -> tuple[str, str]:
    try:
        return FILES[split]
    except (KeyError, TypeError):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}") from None


def _locate(directory: Path, name: str) -> Path | None:
    """The file to read for ``name`` in ``directory``: ``name``, else ``name.gz``, else None."""
    # The uncompressed file wins when both exist: it is what someone who unpacked the archive
    # by hand meant to be used, and it is faster to read.
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _missing(directory: Path, names: Sequence[str]) -> list[str]:
    return [name for name in names if _locate(directory, name) is None]


def _wanted_names(split: str | None) -> tuple[str, ...]:
    if split is None:
        return (*FILES["train"], *FILES["test"])
    return _split_files(split)


def _env_dir() -> Path | None:
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value).expanduser() if value else None


def find_data_dir(split: str | None = None) -> Path | None:
    """The folder to read MNIST from, or None if there is none.

    Looks in ``$NNKATA_DATA`` first, then in :data:`DEFAULT_DATA_DIR`. A folder counts if it
    holds all four files (or, with ``split`` given, that split's two files), each plain or
    ``.gz``. Only presence is checked here; contents are verified when read.
    """
    names = _wanted_names(split)
    for directory in (_env_dir(), DEFAULT_DATA_DIR):
        if directory is not None and directory.is_dir() and not _missing(directory, names):
            return directory
    return None


def _describe_place(directory: Path, names: Sequence[str], label: str = "") -> str:
    where = f"{label} {directory}" if label else str(directory)
    if not directory.exists():
        return f"{where} (no such folder)"
    if not directory.is_dir():
        return f"{where} (not a folder)"
    return f"{where} (missing {', '.join(_missing(directory, names))})"


def _not_found_message(split: str, places: Sequence[str], copy_into: Path) -> str:
    images_name, labels_name = FILES[split]
    all_names = ", ".join(_wanted_names(None))
    return (
        f"MNIST {split} data not found: looked for {images_name} and {labels_name} "
        f"(each either plain or .gz) in {'; and in '.join(places)}. "
        f"To get MNIST, do one of: run `{_DOWNLOAD_COMMAND}` from the repository root "
        f"(it downloads about 11 MB into {DEFAULT_DATA_DIR} and verifies it), or call "
        f"load_mnist(..., download=True); or set the {ENV_VAR} environment variable to a "
        f"folder that holds the four MNIST files; or copy the four files ({all_names}; "
        f"gzip-compressed or not) into {copy_into}."
    )


# --------------------------------------------------------------------------------------------
# Reading and verifying


def _fix_hint(path: Path) -> str:
    return (
        f"Delete {path} and run `{_DOWNLOAD_COMMAND}` (or load_mnist(..., download=True)) "
        f"again, or replace it with a good copy of the file."
    )


def _corrupt(path: Path, problem: str) -> MnistCorruptError:
    return MnistCorruptError(
        f"{path} is corrupt or incomplete: {problem}. {_fix_hint(path)}",
        path=path,
        problem=problem,
    )


def _uncompressed_bytes(raw: bytes, path: Path) -> bytes:
    # Decide by content, not by name: browsers that honour Content-Encoding save an
    # already-unpacked file under the .gz name, and IDX data (which starts with two zero
    # bytes) can never be mistaken for gzip's magic number.
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _corrupt(path, f"it is not a complete gzip archive ({exc})") from exc


def _parse_idx(data: bytes, path: Path, magic: int, shape_tail: tuple[int, ...]) -> np.ndarray:
    """Parse one IDX file of unsigned bytes; ``shape_tail`` fixes every dimension but the first."""
    ndim = 1 + len(shape_tail)
    header_size = 4 * (1 + ndim)
    kind = "images" if magic == _IMAGES_MAGIC else "labels"
    if len(data) < header_size:
        raise _corrupt(
            path,
            f"it is {len(data)} bytes long, shorter than the {header_size}-byte IDX header",
        )
    header = np.frombuffer(data, dtype=">u4", count=1 + ndim)
    found_magic = int(header[0])
    if found_magic != magic:
        raise _corrupt(
            path,
            f"its IDX magic number is {found_magic} (0x{found_magic:08x}), but an MNIST {kind} "
            f"file starts with {magic} (0x{magic:08x})",
        )
    shape = tuple(int(d) for d in header[1:])
    if shape[1:] != shape_tail:
        raise _corrupt(
            path,
            f"its header gives {kind} of shape {shape}, expected (N, *{shape_tail})",
        )
    expected = header_size + int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "followed by extra bytes"
        raise _corrupt(
            path,
            f"its header promises {shape[0]:,} {kind} ({expected:,} bytes in all) but the "
            f"uncompressed file has {len(data):,} bytes, so it is {what}",
        )
    # A view on the immutable ``bytes`` object: read-only, and NumPy refuses to make it
    # writeable again, so callers cannot corrupt the cached arrays.
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def _verify_checksum(data: bytes, path: Path, name: str, checksums: Mapping[str, str]) -> None:
    try:
        expected = checksums[name].lower()
    except KeyError:
        raise ValueError(f"no SHA-256 checksum given for {name}") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        size_note = ""
        if expected == SHA256.get(name) and name in SIZES:
            size_note = f" ({len(data):,} bytes uncompressed; the real file has {SIZES[name]:,})"
        raise _corrupt(
            path,
            f"the SHA-256 of its uncompressed contents is {actual}, expected {expected}{size_note}",
        )


def _decode(raw: bytes, path: Path, name: str, checksums: Mapping[str, str]) -> np.ndarray:
    """Unpack, parse and verify one file's bytes; ``name`` picks the expected format and sum."""
    data = _uncompressed_bytes(raw, path)
    if "images" in name:
        array = _parse_idx(data, path, _IMAGES_MAGIC, (_ROWS, _COLS))
    else:
        array = _parse_idx(data, path, _LABELS_MAGIC, ())
    # Structure first, checksum second: for the common failure (an interrupted copy) the
    # structural message says "truncated", which is more useful than two unequal hashes.
    _verify_checksum(data, path, name, checksums)
    return array


def _file_key(path: Path) -> tuple[str, int, int]:
    # Size and mtime are part of the cache key so a file replaced on disk (by the downloader
    # or by hand) is read again instead of being served stale from the cache.
    resolved = path.resolve()
    stat = resolved.stat()
    return (str(resolved), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _read_pair(
    images_key: tuple[str, int, int],
    labels_key: tuple[str, int, int],
    names: tuple[str, str],
    checksums: tuple[tuple[str, str], ...],
) -> tuple[np.ndarray, np.ndarray]:
    table = dict(checksums)
    images_path, labels_path = Path(images_key[0]), Path(labels_key[0])
    images = _decode(images_path.read_bytes(), images_path, names[0], table)
    labels = _decode(labels_path.read_bytes(), labels_path, names[1], table)
    if len(images) != len(labels):
        raise MnistCorruptError(
            f"{images_path} holds {len(images):,} images but {labels_path} holds "
            f"{len(labels):,} labels; they must come from the same split. "
            f"{_fix_hint(images_path)}"
        )
    if labels.size and int(labels.max()) > 9:
        raise _corrupt(labels_path, f"it contains the label {int(labels.max())}, not a digit")
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def read_split(
    directory: str | os.PathLike[str],
    split: str,
    *,
    checksums: Mapping[str, str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Read one split from exactly ``directory`` (no searching, no downloading).

    Returns read-only ``images`` uint8 ``(N, 28, 28)`` and ``labels`` uint8 ``(N,)``.
    ``checksums`` maps file name (without ``.gz``) to the SHA-256 of its uncompressed
    contents; it defaults to :data:`SHA256`. Results are cached in-process.

    Raises :class:`MnistNotFound` if a file is missing and :class:`MnistCorruptError` if one
    is malformed or fails its checksum.
    """
    names = _split_files(split)
    directory = Path(directory).expanduser()
    paths = [_locate(directory, name) for name in names]
    if None in paths:
        place = _describe_place(directory, names)
        raise MnistNotFound(_not_found_message(split, [place], directory))
    table = SHA256 if checksums is None else checksums
    return _read_pair(
        _file_key(paths[0]),
        _file_key(paths[1]),
        names,
        tuple(sorted((name, table[name]) for name in names if name in table)),
    )


def clear_cache() -> None:
    """Forget the arrays cached by :func:`load_mnist` and :func:`read_split`."""
    _read_pair.cache_clear()


def load_mnist(
    split: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = False,
    checksums: Mapping[str, str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST's ``"train"`` (60,000 images) or ``"test"`` (10,000 images) split.

    Returns ``(images, labels)``: images uint8 ``(N, 28, 28)`` with pixels 0..255, labels
    uint8 ``(N,)`` with digits 0..9. Both arrays are read-only and shared between callers
    (the parse is cached in-process); copy them before changing them.

    ``data_dir`` overrides the search (``$NNKATA_DATA``, then ``data/mnist/``). With
    ``download=True`` missing files are fetched first (into ``data_dir`` if given, else into
    ``data/mnist/``), see :func:`download_mnist`. ``checksums`` overrides :data:`SHA256`.

    Raises :class:`MnistNotFound` (a ``FileNotFoundError``) if the files are missing and
    ``download`` is false, :class:`MnistCorruptError` (a ``ValueError``) if a file is
    malformed or fails its checksum, :class:`MnistDownloadError` if downloading fails.
    """
    names = _split_files(split)
    if data_dir is not None:
        directory = Path(data_dir).expanduser()
        if not directory.is_dir() or _missing(directory, names):
            if not download:
                place = _describe_place(directory, names, "the folder given as data_dir,")
                raise MnistNotFound(_not_found_message(split, [place], directory))
            download_mnist(directory, mirrors=MIRRORS, checksums=checksums)
    else:
        found = find_data_dir(split)
        if found is None:
            if not download:
                env_dir = _env_dir()
                places = [
                    _describe_place(env_dir, names, f"${ENV_VAR} =")
                    if env_dir is not None
                    else f"${ENV_VAR} (not set)",
                    _describe_place(DEFAULT_DATA_DIR, names),
                ]
                raise MnistNotFound(_not_found_message(split, places, DEFAULT_DATA_DIR))
            found = download_mnist(None, mirrors=MIRRORS, checksums=checksums)
        directory = found
    return read_split(directory, split, checksums=checksums)


def mnist_as_float(images: np.ndarray) -> np.ndarray:
    """Flatten uint8 images ``(N, 28, 28)`` (or ``(N, 784)``) to float64 ``(N, 784)`` in [0, 1].

    Returns a new, writeable array: ``images / 255``.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        # Dividing already-scaled floats by 255 again would silently give a near-black
        # dataset, so only raw pixels are accepted.
        raise TypeError(f"expected uint8 pixel values 0..255, got dtype {images.dtype}")
    if images.ndim == 3 and images.shape[1:] == (_ROWS, _COLS):
        flat = images.reshape(len(images), _ROWS * _COLS)
    elif images.ndim == 2 and images.shape[1] == _ROWS * _COLS:
        flat = images
    else:
        raise ValueError(f"expected images of shape (N, 28, 28) or (N, 784), got {images.shape}")
    return flat.astype(np.float64) / 255.0


# --------------------------------------------------------------------------------------------
# Downloading


def _format_progress(label: str, done: int, total: int | None) -> str:
    if total:
        return f"  {label}: {done:,} / {total:,} bytes ({100 * done // total:3d}%)"
    return f"  {label}: {done:,} bytes"


def _say(progress: TextIO | None, line: str) -> None:
    if progress is not None:
        progress.write(line + "\n")
        progress.flush()


def _is_tty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def _describe_error(exc: BaseException) -> str:
    # Imported here, not at the top: see _fetch.
    import urllib.error

    if isinstance(exc, MnistCorruptError):
        return f"the payload failed verification: {exc.problem}"
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"cannot connect: {exc.reason}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


def _fetch(url: str, out: BinaryIO, label: str, timeout: float, progress: TextIO | None) -> None:
    """Stream ``url`` into the open binary file ``out``, reporting progress."""
    # Imported on first download only: urllib.request pulls in ssl, http and email, which the
    # sandboxed worker and every plain ``load_mnist`` call have no use for.
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length", "")
        total = int(length) if length.isdigit() else None
        live = _is_tty(progress)
        done, last_shown = 0, 0.0
        try:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                now = time.monotonic()
                if live and now - last_shown >= 0.1:
                    progress.write("\r" + _format_progress(label, done, total))
                    progress.flush()
                    last_shown = now
        except BaseException:
            if live and last_shown:
                # End the half-drawn progress line so the error report starts on its own.
                progress.write("\n")
            raise
        # http.client does not raise when a server closes the connection early, so a short
        # body must be caught here rather than by gzip later with a vaguer message.
        if total is not None and done != total:
            raise OSError(f"connection closed after {done:,} of {total:,} bytes")
        if progress is not None:
            progress.write(("\r" if live else "") + _format_progress(label, done, total) + "\n")
            progress.flush()


def _manual_hint(dest: Path, mirrors: Sequence[str]) -> str:
    names = ", ".join(f"{name}.gz" for name in _wanted_names(None))
    where = " or ".join(mirrors) if mirrors else "any MNIST mirror"
    return (
        f"To get the files by hand, download {names} from {where} (with a browser or curl) on "
        f"a machine that has access, then put them, gzip-compressed or not, into {dest}, or "
        f"set {ENV_VAR} to the folder that holds them; they are verified against the SHA-256 "
        f"checksums in data/README.md when loaded."
    )


def _download_one(
    name: str,
    dest: Path,
    mirrors: Sequence[str],
    checksums: Mapping[str, str],
    progress: TextIO | None,
    timeout: float,
) -> Path:
    # Lazy for the same reason as in _fetch (urllib.request imports it anyway).
    import http.client

    failures: list[str] = []
    last_error: BaseException | None = None
    for mirror in mirrors:
        url = mirror.rstrip("/") + f"/{name}.gz"
        fd, tmp_name = tempfile.mkstemp(dir=dest, prefix=f".{name}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                _fetch(url, out, f"{name}.gz", timeout, progress)
                out.flush()
                # Durable before the rename, so a crash cannot leave a complete-looking name
                # pointing at missing data.
                os.fsync(out.fileno())
            raw = tmp.read_bytes()
            _decode(raw, tmp, name, checksums)
            # Keep the payload under the name that matches its content: a mirror or proxy
            # that already unpacked it must not produce a ".gz" that is not gzip.
            final = dest / (f"{name}.gz" if raw.startswith(_GZIP_MAGIC) else name)
            os.chmod(tmp, 0o644)
            os.replace(tmp, final)
            return final
        except (OSError, MnistCorruptError, http.client.HTTPException) as exc:
            # HTTP and connection errors are OSErrors; a bad payload is MnistCorruptError; a
            # garbled response is an HTTPException. Anything else is a bug and propagates.
            last_error = exc
        finally:
            tmp.unlink(missing_ok=True)
        failures.append(f"{url} ({_describe_error(last_error)})")
        _say(progress, f"  {url} failed: {_describe_error(last_error)}")
    tried = "; ".join(failures) if failures else "none (the list of mirrors was empty)"
    raise MnistDownloadError(
        f"Could not download {name}.gz into {dest}: no mirror delivered a verified copy. "
        f"Mirrors tried: {tried}. Last error: "
        f"{_describe_error(last_error) if last_error else 'none'}. "
        f"No partial file was left behind. {_manual_hint(dest, mirrors)}"
    )


def download_mnist(
    dest: str | os.PathLike[str] | None = None,
    *,
    mirrors: Sequence[str] = MIRRORS,
    progress: TextIO | None = sys.stderr,
    timeout: float = 30,
    checksums: Mapping[str, str] | None = None,
) -> Path:
    """Download the four MNIST ``.gz`` files into ``dest`` and return ``dest``.

    ``dest`` defaults to :data:`DEFAULT_DATA_DIR` (``data/mnist/``) and is created if needed.
    Each file is taken from the first of ``mirrors`` (base URLs, ``<mirror>/<name>.gz``) that
    delivers a copy whose uncompressed payload matches ``checksums`` (default
    :data:`SHA256`); it is written to a temporary file in ``dest`` and renamed into place,
    so an interrupted or rejected download leaves nothing behind. Files already present and
    valid are not downloaded again; an invalid one is replaced. A progress line per file
    goes to ``progress`` (None for silence). ``timeout`` is in seconds, per connection/read.

    Raises :class:`MnistDownloadError` when no mirror delivers a verified copy of a file.
    """
    dest = DEFAULT_DATA_DIR if dest is None else Path(dest).expanduser()
    if isinstance(mirrors, str):
        # A lone URL is a common slip; iterating it would try one "mirror" per character.
        mirrors = (mirrors,)
    table = SHA256 if checksums is None else checksums
    dest.mkdir(parents=True, exist_ok=True)
    _say(progress, f"MNIST: checking {dest}")
    for name in _wanted_names(None):
        existing = _locate(dest, name)
        if existing is not None:
            try:
                _decode(existing.read_bytes(), existing, name, table)
            except MnistCorruptError as exc:
                _say(progress, f"  {existing.name}: invalid ({exc.problem}), downloading again")
            else:
                _say(progress, f"  {existing.name}: already present and valid, skipped")
                continue
        final = _download_one(name, dest, mirrors, table, progress, timeout)
        if existing is not None and existing != final:
            # The loader prefers the plain file over the .gz, so a bad one left next to the
            # fresh download would keep shadowing it.
            existing.unlink(missing_ok=True)
    _say(progress, f"MNIST: ready in {dest}")
    return dest
