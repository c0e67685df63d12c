import os

import pytest

from tests.hardening.servers import ROOT, ThrowawayCluster, clean_env, manage, pg_binary

TEMPLATE_DB = "newsblog_template"


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster of our own with a migrated template database; tests may stop and start it."""
    if not pg_binary("initdb"):
        message = "PostgreSQL server binaries (initdb) not found: apt-get install -y postgresql"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    cluster = ThrowawayCluster().init()
    try:
        cluster.start()
        url = cluster.create_database(TEMPLATE_DB)
        manage("migrate", "--noinput", env=clean_env(DATABASE_URL=url))
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def collected_static():
    """Production settings use WhiteNoise's manifest; staticfiles/ is gitignored and rebuilt here."""
    manage("collectstatic", "--noinput", "--verbosity", "0", env=clean_env())
    return ROOT / "staticfiles"


@pytest.fixture
def fresh_database(pg_cluster, request):
    """A migrated database on the throwaway cluster, copied from the template in a fraction of a second."""
    name = "t_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
    return pg_cluster.create_database(name, template=TEMPLATE_DB)
