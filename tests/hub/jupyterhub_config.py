"""The JupyterHub that tests/test_hub.py starts: the smallest real hub, on this machine only.

Everything is local: the hub, its proxy (configurable-http-proxy, from tests/hub/package.json)
and every user's server bind to 127.0.0.1; users log in with any password
(DummyAuthenticator) and each gets a single-user JupyterLab started as a plain process of
this machine's user (SimpleLocalProcessSpawner), in a home of its own under the test's
folder, with the Python (and so the course's environment) that runs the hub. The test sets
the ports, the folders and the users whose servers run under an address-space limit
through the COURSE_HUB_* variables below; a campus hub has its own configuration, and needs
of this one only what the README's recipe says.
"""

import os
import shlex
import sys

c = get_config()  # noqa: F821 - JupyterHub defines it when it reads this file

state = os.environ["COURSE_HUB_STATE"]  # a folder of the test's: database, secrets, homes

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ["COURSE_HUB_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ["COURSE_HUB_API_PORT"])
c.JupyterHub.db_url = f"sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{state}/jupyterhub_cookie_secret"
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server
c.ConfigurableHTTPProxy.command = [os.environ["COURSE_HUB_PROXY"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['COURSE_HUB_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.pid_file = f"{state}/proxy.pid"

c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = f"{state}/home/{{username}}"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# As `python3 course.py lab`: no Jupyter news, no update check (the course promises no
# network), and the offline guard of the test run reaches every server through PYTHONPATH,
# which Spawner.env_keep passes on.
c.Spawner.args = ["--LabApp.news_url=None",
                  "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI's container runs as root
    c.Spawner.args.append("--allow-root")
# JupyterHub's own list, and COURSE_PNG: test runs draw no PNG (see utils/charts.py).
c.Spawner.env_keep = ["PATH", "PYTHONPATH", "VIRTUAL_ENV", "LANG", "LC_ALL",
                      "JUPYTERHUB_SINGLEUSER_APP", "COURSE_PNG"]

#: "name:KiB" pairs: these users' servers (and so their kernels) run under `ulimit -v KiB`,
#: as a hub that limits memory by address space runs them.
LIMITS = dict(pair.split(":") for pair in os.environ.get("COURSE_HUB_LIMITS", "").split())


def limit_address_space(spawner):
    """Start a limited user's server through a shell that sets the limit first."""
    kib = LIMITS.get(spawner.user.name)
    if kib:
        command = shlex.join(spawner.cmd)
        spawner.cmd = ["/bin/sh", "-c", f'ulimit -v {int(kib)} && exec {command} "$@"', "sh"]


c.Spawner.pre_spawn_hook = limit_address_space

c.JupyterHub.services = [{"name": "course-test",
                          "api_token": os.environ["COURSE_HUB_SERVICE_TOKEN"]}]
c.JupyterHub.load_roles = [{"name": "course-test", "services": ["course-test"],
                            "scopes": ["admin:users", "admin:servers", "tokens",
                                       "access:servers"]}]
