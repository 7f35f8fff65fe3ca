"""gunicorn's settings for `make serve`, and for production.

    gunicorn alignsurvey.wsgi --config alignsurvey/gunicorn_conf.py --bind … --workers …

The access log (stdout) follows the rules of alignsurvey/log_redaction.py, as Django's request
logs do: no line for a respondent's request or for what a respondent's page loads, and the token
of a radiator link written as "…". Staff pages are logged in gunicorn's usual format, address
and time included. The same rules take tokens out of gunicorn's error log ("Error handling
request /i/<token>/").
"""

from gunicorn.glogging import Logger

from alignsurvey.log_redaction import RequestLogPrivacy, is_respondent_request, routed_path, without_tokens

accesslog = "-"
graceful_timeout = 10
# gunicorn's control socket (in $XDG_RUNTIME_DIR or ~/.gunicorn/) is not needed: nothing on disk,
# and two servers on one machine (make serve beside the test suite's) do not fight over it.
control_socket_disable = True

_ERROR_LOG_PRIVACY = RequestLogPrivacy()


class PrivateAccessLogger(Logger):
    """gunicorn's Logger, minus respondents' requests and tokens."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(_ERROR_LOG_PRIVACY)  # one instance: a configuration reload adds it once

    def access(self, resp, req, environ, request_time):
        path = environ.get("PATH_INFO") or routed_path(environ.get("RAW_URI", ""))  # decoded, as Django routes it
        referer = environ.get("HTTP_REFERER", "")
        script_name = environ.get("SCRIPT_NAME", "")
        if script_name and routed_path(referer).startswith(script_name):  # served under a prefix
            referer = routed_path(referer)[len(script_name) :]
        if is_respondent_request(path, referer):
            return
        super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):
        """Every value a log format can name (request line, path, Referer, headers, environ), without tokens."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: without_tokens(value) if isinstance(value, str) else value for key, value in atoms.items()}


logger_class = PrivateAccessLogger
