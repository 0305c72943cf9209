# ansible-inventory, many times, without paying Python's and Ansible's import (~1 s of CPU) each time.
# The parent only imports the module /usr/bin/ansible-inventory imports and then forks one child per
# request: each child starts from that same freshly imported state (no inventory, no cache, no
# warning seen), so one case cannot change what another sees, exactly as separate processes.
# Request (one JSON line on stdin): {"id", "cwd", "args", "out", "err"}; answer: {"id", "status"}.
import json
import os
import sys

from ansible.cli.inventory import InventoryCLI
import gc

# What the toml inventory plugin imports when the child loads it: imported once here instead. Not a
# dependency of Debian's ansible (python3-toml may be absent): then the plugin has none to import either.
try:
    import toml  # noqa: F401
except ImportError:
    pass

# Children share the parent's objects: frozen, the garbage collector does not touch (and copy) them.
gc.freeze()

for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.chdir(req['cwd'])
            for fd, path in ((1, req['out']), (2, req['err'])):
                f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(f, fd)
                os.close(f)
            InventoryCLI.cli_executor(['ansible-inventory'] + req['args'])
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(json.dumps({'id': req['id'], 'status': os.waitstatus_to_exitcode(status)}) + '\n')
    sys.stdout.flush()
