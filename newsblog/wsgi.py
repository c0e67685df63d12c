import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsblog.settings")
# Web requests get the database time limits (see settings); management commands do not.
os.environ.setdefault("NEWSBLOG_WEB_PROCESS", "1")

application = get_wsgi_application()
