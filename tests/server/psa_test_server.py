#!/usr/bin/env python3
"""Loopback HTTPS servers imitating four PSA / documentation systems, for
duo-lua's PSA sources: ConnectWise Manage, Autotask, HaloPSA and IT Glue.

    python3 tests/server/psa_test_server.py --certs tests/certs [--companies N]
                                            [--max-seconds S] [--verbose]

One listener per vendor on 127.0.0.1 (certs/server.pem, signed by ca.pem).
When all are up it prints `PORT <vendor> <port>` for each, then `READY`;
it exits on SIGTERM/SIGINT or after --max-seconds. The data set is
--companies active companies (default 2500) plus an inactive one after every
25 (psa_common.make_companies). Each vendor's routes, credentials and
behaviour are in its module (psa_connectwise.py, …) and follow
tests/data/psa_facts.md; the /test control routes are in psa_common.py.
"""
import argparse
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from psa_common import TLSServer, make_companies, tls_context  # noqa: E402
from psa_connectwise import ConnectWise  # noqa: E402
from psa_autotask import Autotask  # noqa: E402
from psa_halopsa import HaloPSA  # noqa: E402
from psa_itglue import ITGlue  # noqa: E402

VENDORS = (ConnectWise, Autotask, HaloPSA, ITGlue)


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--certs", default=os.path.join(here, "..", "certs"))
    p.add_argument("--companies", type=int, default=2500, help="active companies in each system")
    p.add_argument("--max-seconds", type=float, default=600)
    p.add_argument("--verbose", action="store_true")
    options = p.parse_args(argv)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stopping.set())
    signal.signal(signal.SIGINT, lambda *a: stopping.set())
    context = tls_context(options.certs)
    companies = make_companies(options.companies)
    servers = [TLSServer(v.name, context, v(companies), options.verbose) for v in VENDORS]
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        print("PORT %s %d" % (srv.name, srv.server_address[1]))
    print("READY", flush=True)
    deadline = time.monotonic() + options.max_seconds
    while not stopping.wait(0.2) and time.monotonic() < deadline:
        pass
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
