"""The final submission does its work in a fixed, small number of statements."""

import pytest

from surveys.models import Answer, Response

from .test_questionnaire import REVIEW, THANKS, answer_pages, start

# The wave, the session, the draft; then in one transaction: delete the draft, check the value
# stream, insert the response, insert its answers (one statement run per answer); then, in a
# transaction of its own, update the session. Not in the same one: on PostgreSQL the session's
# row would carry the id of the transaction that wrote the response (xmin) and so link the two.
SUBMISSION_STATEMENTS = 8


def statements(captured):
    """The queries that read or write data, leaving out savepoints (the test runs in a transaction)."""
    return [query["sql"] for query in captured if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.fixture
def ready_to_submit(client, wave, value_streams):
    start(client, value_streams[0])
    answer_pages(client)
    client.get(REVIEW)  # this process has read the instrument's pages, as a running server has
    return client


def test_final_submission_takes_a_fixed_number_of_statements(ready_to_submit, django_assert_max_num_queries):
    with django_assert_max_num_queries(SUBMISSION_STATEMENTS + 6) as captured:
        reply = ready_to_submit.post(REVIEW)

    assert reply.status_code == 302 and reply["Location"] == THANKS
    sql = statements(captured.captured_queries)
    assert len(sql) == SUBMISSION_STATEMENTS, "\n".join(sql)
    assert sum('FROM "surveys_draft"' in query and query.startswith("SELECT") for query in sql) == 1
    assert not any('"surveys_item"' in query for query in sql)
    assert Response.objects.count() == 1 and Answer.objects.count() == 9


def test_session_is_written_after_the_transaction_that_stores_the_response(
    ready_to_submit, django_assert_max_num_queries
):
    with django_assert_max_num_queries(SUBMISSION_STATEMENTS + 6) as captured:
        ready_to_submit.post(REVIEW)

    sql = [query["sql"] for query in captured.captured_queries]
    stored = max(i for i, query in enumerate(sql) if 'INSERT INTO "surveys_answer"' in query)
    released = next(i for i, query in enumerate(sql) if i > stored and query.startswith("RELEASE SAVEPOINT"))
    session = next(i for i, query in enumerate(sql) if query.startswith('UPDATE "django_session"'))
    assert stored < released < session
