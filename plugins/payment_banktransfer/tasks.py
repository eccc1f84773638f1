"""The background task that matches an import job's lines (huey, through :func:`core.tasks.task`)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.logs import log_action
from core.tasks import task
from plugins.payment_banktransfer.matching import run_job
from plugins.payment_banktransfer.models import BankImportJob

log = logging.getLogger("ticketry.plugins.banktransfer")


@task(name="plugin.banktransfer.process_import")
def process_import(session: Session, organizer_id: int, job_id: int) -> dict[str, str]:
    """Match the lines of import job ``job_id`` (runs in the organizer's tenant scope).

    A job that is not ``pending`` any more is left alone (the task may be delivered twice). If matching fails
    with an unexpected error, everything it booked is rolled back, the job is marked ``error`` with the message
    and ``pretix.plugins.banktransfer.import.failed`` is logged.
    """
    with scope(organizer_id):
        job = session.get(BankImportJob, job_id)
        if job is None or job.state != BankImportJob.STATE_PENDING:
            return {"message": "The import was processed already."}
        try:
            with session.begin_nested():
                run_job(session, job)
        except Exception as exc:  # recorded on the job: the organizer sees why the import stopped
            log.exception("bank import job %s of organizer %s failed", job_id, organizer_id)
            session.refresh(job)
            job.state = BankImportJob.STATE_ERROR
            job.error_message = str(exc) or type(exc).__name__
            log_action(job, "pretix.plugins.banktransfer.import.failed", {"message": job.error_message})
            return {"message": f"The import failed: {job.error_message}"}
        return {"message": f"{job.count_matched} of {job.count_total} transactions matched."}
