"""Django integration for codejail.

Code to glue codejail into a Django environment.

Django is imported only when the middleware is instantiated, so this module
imports without Django installed.
"""

from . import django_integration_utils


class ConfigureCodeJailMiddleware:
    """
    Middleware to configure codejail on startup.

    This is a Django idiom to have code run once on server startup: put the
    code in the `__init__` of some middleware, and have it do the work, then
    raise `MiddlewareNotUsed` to disable the middleware.
    """
    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, *args, **kwargs):  # pylint: disable=unused-argument,keyword-arg-before-vararg
        from django.conf import settings  # pylint: disable=import-outside-toplevel
        from django.core.exceptions import MiddlewareNotUsed  # pylint: disable=import-outside-toplevel

        django_integration_utils.apply_django_settings(settings.CODE_JAIL)
        self.get_response = get_response
        raise MiddlewareNotUsed
