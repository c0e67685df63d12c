"""Without Redis each gunicorn worker keeps its own local-memory cache; what readers see must still
agree across workers, because every copy is checked against versions in the shared database."""

from tests.hardening.conftest import collected_static, fresh_database, pg_cluster  # noqa: F401 - fixtures
from tests.hardening.servers import Gunicorn, manage, production_env

REQUESTS = 24  # fresh connections, shared by both workers


def test_a_new_section_shows_in_the_menu_of_every_worker_at_once(fresh_database, collected_static):  # noqa: F811
    env = production_env(fresh_database)
    manage("shell", "-c", "from tests.factories import make_article; make_article(slug='first')", env=env)
    server = Gunicorn(env, workers=2).start()
    try:
        assert len(server.worker_pids()) == 2
        for path in ("/accounts/login/", "/", "/articles/first/"):
            for _ in range(REQUESTS):  # every worker now holds the menu and the pages
                status, _, body = server.request("GET", path)
                assert status == 200
                assert b"Brand New Section" not in body
        create = (  # a section shows in the menu once it has a published article
            "from tests.factories import make_article, make_category; "
            "make_article(category=make_category(name='Brand New Section'))"
        )
        manage("shell", "-c", create, env=env)  # another process, as the admin would be
        for path in ("/accounts/login/", "/", "/articles/first/"):
            for _ in range(REQUESTS):
                status, _, body = server.request("GET", path)
                assert status == 200
                assert b"Brand New Section" in body, path
    finally:
        server.stop()
