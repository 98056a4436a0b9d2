"""Pure rules: how a subject is normalised and validated, and the 15-day deadline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lastro.contracts.lgpd import DataSubject, ErasureOutcome, SubjectRecord
from lastro.core.lgpd.service import deadline_for
from lastro.core.lgpd.subjects import mask_cpf, mask_email, parse_subject
from lastro.kit.errors import ValidationFailed


def test_subject_is_normalised() -> None:
    subject = DataSubject(cpf="529.982.247-25", email="  Ana@Exemplo.COM.br ")
    assert subject.cpf == "52998224725"
    assert subject.email == "ana@exemplo.com.br"
    with pytest.raises(ValueError, match="CPF or an e-mail"):
        DataSubject()


def test_parse_subject_validates_the_cpf_check_digits() -> None:
    assert parse_subject("529.982.247-25", None).cpf == "52998224725"
    with pytest.raises(ValidationFailed) as invalid:
        parse_subject("529.982.247-24", None)
    assert invalid.value.code == "INVALID_CPF" and invalid.value.status == 422
    with pytest.raises(ValidationFailed) as missing:
        parse_subject(" ", "")
    assert missing.value.code == "LGPD_SUBJECT_REQUIRED"
    with pytest.raises(ValidationFailed) as email:
        parse_subject(None, "sem-arroba")
    assert email.value.code == "INVALID_EMAIL"


def test_deadline_is_fifteen_calendar_days() -> None:
    # opened on a Friday before Carnival: weekends and holidays count, the time of day stays
    opened = datetime(2027, 2, 5, 18, 30, tzinfo=UTC)
    assert deadline_for(opened) == datetime(2027, 2, 20, 18, 30, tzinfo=UTC)


def test_masks_do_not_identify() -> None:
    assert mask_cpf("52998224725") == "***.982.247-**"
    assert mask_email("ana@exemplo.com.br") == "a***@exemplo.com.br"


def test_records_and_outcomes_are_plain_data() -> None:
    record = SubjectRecord("cadastro", "Conta", {"a": 1}, "contrato", erasable=False, retention="x")
    assert record.as_dict()["retention"] == "x"
    assert ErasureOutcome(kept=2, kept_reasons=("lei",)).as_dict() == {
        "erased": 0,
        "anonymised": 0,
        "kept": 2,
        "kept_reasons": ["lei"],
    }
