"""Single-node OpenStack Swift with the s3api middleware, for integration tests.

Debian ships the swift library (python3-swift) but none of the swift-*-server
scripts, so this file plays their part:

  swift-server.py supervise DIR   build rings and configs in DIR, start memcached
                                  and the account, container, object and proxy
                                  servers, print one JSON line with the ports,
                                  then stay until stdin closes or SIGTERM
  swift-server.py serve CONF NAME run one WSGI server (what swift-NAME would do)

Must run under /usr/bin/python3: Debian's swift module is only importable there.
Everything lives in DIR (swift_dir, rings, devices), so /etc/swift is never read.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

SERVERS = ('account', 'container', 'object', 'proxy')


def die_with_parent():
    """Linux: the kernel sends SIGKILL to this process when its parent (the supervisor) dies, however it dies."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def build_ring(swift_dir, kind, port):
    from swift.common.ring import RingBuilder
    # part power 6, 1 replica, min_part_hours 1: the smallest ring that works
    builder = RingBuilder(6, 1, 1)
    builder.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': port,
                     'replication_ip': '127.0.0.1', 'replication_port': port,
                     'device': 'd0', 'weight': 100, 'meta': ''})
    builder.rebalance()
    builder.get_ring().save(os.path.join(swift_dir, '%s.ring.gz' % kind))


def write_configs(swift_dir, ports, memcached_port):
    devices = os.path.join(swift_dir, 'devices')
    os.makedirs(os.path.join(devices, 'd0'), exist_ok=True)
    # Random-enough hash prefix/suffix; only this throwaway cluster reads them.
    write(os.path.join(swift_dir, 'swift.conf'), """\
[swift-hash]
swift_hash_path_prefix = wunderproxy-test-%d
swift_hash_path_suffix = wunderproxy-test

[storage-policy:0]
name = Policy-0
default = yes
""" % os.getpid())
    common = """\
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = %(port)d
workers = 0
mount_check = false
swift_dir = %(swift_dir)s
devices = %(devices)s
disable_fallocate = true
log_level = %(log_level)s
log_address = /nonexistent
log_udp_host = 127.0.0.1
log_udp_port = 9
"""
    log_level = os.environ.get('SWIFT_LOG_LEVEL', 'WARNING')
    for kind in ('account', 'container', 'object'):
        write(os.path.join(swift_dir, '%s-server.conf' % kind), (common + """
[pipeline:main]
pipeline = %(kind)s-server

[app:%(kind)s-server]
use = egg:swift#%(kind)s

[%(kind)s-replicator]
[%(kind)s-auditor]
[%(kind)s-updater]
""") % {'port': ports[kind], 'swift_dir': swift_dir, 'devices': devices,
             'kind': kind, 'log_level': log_level})
    write(os.path.join(swift_dir, 'proxy-server.conf'), (common + """
[pipeline:main]
pipeline = catch_errors proxy-logging cache s3api tempauth bulk slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:%(memcached_port)d

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
user_test2_tester2 = testing2 .admin

[filter:bulk]
use = egg:swift#bulk

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
""") % {'port': ports['proxy'], 'swift_dir': swift_dir, 'devices': devices,
         'memcached_port': memcached_port, 'log_level': log_level})


def use_swift_dir(swift_dir):
    from swift.common.utils import set_swift_dir
    set_swift_dir(swift_dir)
    # Policies were read from /etc/swift at import time; read ours instead.
    from swift.common.storage_policy import reload_storage_policies
    reload_storage_policies()


def supervise(swift_dir):
    ports = {kind: free_port() for kind in SERVERS}
    memcached_port = free_port()
    write_configs(swift_dir, ports, memcached_port)
    use_swift_dir(swift_dir)
    for kind in ('account', 'container', 'object'):
        build_ring(swift_dir, kind, ports[kind])

    log = open(os.path.join(swift_dir, 'servers.log'), 'ab')
    children = []

    def stop_all(*_, keep_dir=False):
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.time() + 5
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        # Also when the owner died without cleaning up: nothing else would remove the objects. After a crash the
        # owner reads servers.log from it first.
        if not keep_dir:
            shutil.rmtree(swift_dir, ignore_errors=True)
        os._exit(1 if keep_dir else 0)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)

    memcached = ['memcached', '-l', '127.0.0.1', '-p', str(memcached_port), '-U', '0', '-m', '64']
    if os.getuid() == 0:
        memcached += ['-u', 'root']
    children.append(subprocess.Popen(memcached, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     preexec_fn=die_with_parent))
    for kind in SERVERS:
        conf = os.path.join(swift_dir, '%s-server.conf' % kind)
        children.append(subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), 'serve', conf, '%s-server' % kind],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=die_with_parent))

    print(json.dumps({'ports': ports, 'memcached': memcached_port,
                      'pids': [c.pid for c in children]}), flush=True)

    # The owner holds our stdin open; when it goes away (even by SIGKILL) so do we.
    def watch_stdin():
        while sys.stdin.buffer.read(4096):
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch_stdin, daemon=True).start()
    while True:
        for child in children:
            code = child.poll()
            if code is not None:
                sys.stderr.write('swift: %r exited with %s, stopping\n' % (child.args, code))
                stop_all(keep_dir=True)
        time.sleep(0.2)


def serve(conf, name):
    use_swift_dir(os.path.dirname(os.path.abspath(conf)))
    from swift.common import wsgi
    # run_wsgi calls setsid(), which would take the server out of the owner's process group and out of reach of
    # its kill(-pgid); chdir and umask do not matter here either.
    wsgi.clean_up_daemon_hygiene = lambda: None
    kwargs = {}
    if name == 'object-server':
        from swift.obj import server
        kwargs['global_conf_callback'] = server.global_conf_callback
    sys.exit(wsgi.run_wsgi(conf, name, verbose=True, **kwargs))


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'supervise':
        supervise(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'serve':
        serve(sys.argv[2], sys.argv[3])
    else:
        sys.exit('usage: swift-server.py supervise DIR | serve CONF NAME')
