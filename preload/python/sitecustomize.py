# sitecustomize.py: dtee's Python hook, on PYTHONPATH under dtee (see
# dtee(1), BUFFERING, and docs/libdtee.md).  It acts only when fd 1 is a
# socket (dtee's: libdtee.so takes this directory out of PYTHONPATH in a
# process whose fd 1 is not) and the user did not set PYTHONUNBUFFERED:
#   _DTEE_STDOUT=L  stdout line-buffered: one print, one write;
#   _DTEE_STDOUT=F  stdout keeps its buffer, flushed before each write to
#                   sys.stderr (itself line-buffered), as a terminal shows.
# Then it imports the sitecustomize it shadows, if there is one.
import os
import sys


class _StderrAfterStdout:
    """sys.stderr, with sys.stdout flushed before each write."""

    def __init__(self, err):
        self._dtee_err = err

    def write(self, s):
        try:
            sys.stdout.flush()
        except Exception:  # closed, None, or replaced by the program
            pass
        return self._dtee_err.write(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        if name == "_dtee_err":  # not set yet (copy, pickle)
            raise AttributeError(name)
        return getattr(self._dtee_err, name)


def _dtee_order():
    import stat
    mode = os.environ.get("_DTEE_STDOUT")
    if mode not in ("L", "F") or os.environ.get("PYTHONUNBUFFERED"):
        return
    try:
        if not stat.S_ISSOCK(os.fstat(1).st_mode):
            return
    except OSError:
        return
    out, err = sys.stdout, sys.stderr
    if out is None or err is None:
        return
    if mode == "L":
        reconfigure = getattr(out, "reconfigure", None)  # Python 3.7
        if reconfigure is not None:
            reconfigure(line_buffering=True)
    else:
        sys.stderr = _StderrAfterStdout(err)


def _dtee_chain():
    """Import the next sitecustomize on sys.path, as site.py would have."""
    import importlib
    here = os.path.dirname(os.path.abspath(__file__))
    ours = sys.modules.pop("sitecustomize", None)
    path = sys.path[:]
    sys.path[:] = [p for p in path if os.path.abspath(p or ".") != here]
    try:
        importlib.import_module("sitecustomize")
    except ImportError as e:
        # Python 2 names no module: its message does.
        if getattr(e, "name", "sitecustomize") != "sitecustomize":
            raise
        sys.modules["sitecustomize"] = ours
    finally:
        sys.path[:] = path


try:
    _dtee_order()
finally:
    _dtee_chain()
