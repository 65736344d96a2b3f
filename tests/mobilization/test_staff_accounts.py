"""The staff import makes (or links) every person's login in the same step: the login is the
phone number, with no password, bound to the staff record; a re-import makes no second one."""

from __future__ import annotations

import io

import pytest

from shequ.core.imports import import_job_create, run_import
from shequ.core.models import ImportStatus, User
from shequ.mobilization.models import Staff
from tests.conftest import make_user
from tests.mobilization.conftest import id_number

pytestmark = pytest.mark.usefixtures("english")


def _import(user, text: str, **options):
    job = import_job_create(
        actor=user,
        kind="staff",
        upload=io.BytesIO(text.encode("utf-8")),
        filename="staff.csv",
        options=options,
        enqueue=False,
    )
    return run_import(job.pk)


def _sheet(n: int) -> str:
    rows = [f"干部{i},{id_number(1970 + i % 30)},139{i:08d},科员" for i in range(n)]
    return "姓名,身份证号,手机号码,职级\n" + "\n".join(rows) + "\n"


def test_a_thousand_staff_get_a_thousand_logins_and_a_reimport_makes_none(personas, city):
    sheet = _sheet(1000)
    job = _import(personas.coordinator, sheet)
    assert job.status == ImportStatus.DONE, list(job.row_errors.values_list("reason", flat=True))
    assert job.created == 1000
    staff = Staff.objects.filter(agency__code="AG1").select_related("user")
    assert staff.count() == 1000
    assert staff.filter(user__isnull=True).count() == 0
    logins = User.objects.filter(staff__in=staff)
    assert logins.count() == 1000
    one = staff.get(name="干部7")
    assert one.user.username == "13900000007"
    assert one.user.phone == "13900000007"  # encrypted, found by its blind index
    assert User.objects.with_phone("139-0000-0007").get() == one.user
    assert not one.user.has_usable_password()  # no passwords to hand out
    users_before = User.objects.count()
    again = _import(personas.coordinator, sheet)
    assert again.status == ImportStatus.DONE
    assert (again.created, again.unchanged) == (0, 1000)
    assert User.objects.count() == users_before
    assert Staff.objects.filter(user__isnull=True, agency__code="AG1").count() == 0


def test_a_reimport_links_people_registered_before_logins_existed(personas, city):
    a = id_number(1980)
    _import(personas.coordinator, f"姓名,身份证号\n甲,{a}\n")
    assert Staff.objects.get(name="甲").user is None  # no phone, no login
    job = _import(personas.coordinator, f"姓名,身份证号,手机号码\n甲,{a},13900000042\n")
    assert job.status == ImportStatus.DONE
    assert Staff.objects.get(name="甲").user.username == "13900000042"


def test_an_existing_free_login_with_the_phone_is_linked_not_duplicated(personas, city):
    mine = make_user("zhang-login", phone="13900000043")
    job = _import(personas.coordinator, f"姓名,身份证号,手机号码\n张,{id_number()},13900000043\n")
    assert job.status == ImportStatus.DONE
    assert Staff.objects.get(name="张").user == mine
    assert User.objects.with_phone("13900000043").count() == 1


def test_a_phone_that_is_someone_elses_login_is_a_bad_row(personas, city):
    _import(personas.coordinator, f"姓名,身份证号,手机号码\n甲,{id_number()},13900000044\n")
    job = _import(personas.coordinator, f"姓名,身份证号,手机号码\n乙,{id_number()},13900000044\n")
    assert job.status == ImportStatus.REFUSED
    error = job.row_errors.get()
    assert (error.row, error.column) == (2, "手机号码")
    assert "login of another person" in error.reason
    assert error.value.endswith("0044")
    assert "13900000044" not in error.value
    assert not Staff.objects.filter(name="乙").exists()


def test_every_kind_of_bad_row_is_named_and_nothing_lands(personas, city):
    good = id_number(1980)
    rows = [
        f"好人,{good},13900000050,科员,是,驾驶,A,健康,AG1",  # 2: fine, but its ID repeats
        f",{id_number()},13900000051,科员,是,,,,",  # 3: no name
        "坏号,629999198001011230,13900000052,科员,是,,,,",  # 4: wrong check digit
        f"坏电话,{id_number()},1234,科员,是,,,,",  # 5: not a mobile number
        f"重复电话,{id_number()},13900000050,科员,是,,,,",  # 6: phone of row 2
        f"重复证件,{good},13900000053,科员,是,,,,",  # 7: ID of row 2
        f"坏职级,{id_number()},13900000054,大官,也许,飞行,ZZ,发烧,AG9",  # 8: all the rest
        f"太老,{id_number(1930)},13900000055,科员,是,,,,",  # 9: born too early
    ]
    header = "姓名,身份证号,手机号码,职级,党员,技能,居住社区,健康状况,单位编码\n"
    job = _import(personas.coordinator, header + "\n".join(rows) + "\n")
    assert job.status == ImportStatus.REFUSED
    assert not Staff.objects.exists()
    assert not User.objects.filter(username__startswith="139").exists()
    problems = set(job.row_errors.values_list("row", "column"))
    expected = {
        (3, "姓名"),
        (4, "身份证号"),
        (5, "手机号码"),
        (6, "手机号码"),
        (2, "身份证号"),
        (7, "身份证号"),
        (8, "职级"),
        (8, "党员"),
        (8, "技能"),
        (8, "居住社区"),
        (8, "健康状况"),
        (8, "单位编码"),
        (9, "身份证号"),
    }
    assert expected <= problems, expected - problems
    reasons = dict(job.row_errors.filter(row=6).values_list("column", "reason"))
    assert "already appears in row 2" in reasons["手机号码"]


def test_skip_invalid_lands_the_good_rows_with_their_logins(personas, city):
    sheet = f"姓名,身份证号,手机号码\n甲,{id_number()},13900000060\n乙,{id_number()},13900000060\n"
    job = _import(personas.coordinator, sheet, skip_invalid=True)
    assert job.status == ImportStatus.DONE
    assert (job.created, job.rejected) == (1, 1)
    assert Staff.objects.get(name="甲").user.username == "13900000060"
    assert not Staff.objects.filter(name="乙").exists()


def test_a_login_made_by_the_import_is_what_create_user_makes(personas, city):
    """The import writes logins straight into the table (core.bulk): each is what
    `create_user` without a password would have made, and no two share a password hash."""
    job = _import(personas.coordinator, _sheet(3))
    assert job.status == ImportStatus.DONE
    made = [Staff.objects.select_related("user").get(name=f"干部{i}").user for i in range(3)]
    by_hand = User.objects.create_user("13800000099", phone="13800000099")
    for user in made:
        assert user.is_active
        assert not user.is_staff
        assert not user.is_superuser
        assert user.language == by_hand.language
        assert user.date_joined is not None
        assert user.last_login is None
        assert not user.has_usable_password()
        assert user.password.startswith("!")
    assert made[1].display_name == "干部1"
    assert len({u.password for u in made}) == 3
