"""Demo notices and answers: a published notice (with its poster) to the first community, ten
policy answers of the city (one not checked for two months: flagged stale), and four hotline
calls, one of them with no answer yet and one to call back. All text is made up."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.core.models import User
from shequ.notices import answers, services
from shequ.notices.models import Answer, Notice
from shequ.places.models import Place, PlaceKind

ANSWERS = (
    (
        "核酸检测",
        "小区封控期间还要做核酸吗？",
        "要做。封控区每天一次，在楼下采样点排队，请戴好口罩、保持一米距离。",
    ),
    ("核酸检测", "老人行动不便怎么做核酸？", "打社区电话登记，医护人员上门采样。"),
    ("核酸检测", "核酸结果多久能查到？", "一般24小时内，在健康码小程序里查看。"),
    ("出行", "封控期间能出小区吗？", "封控区足不出户；有就医等紧急需要请联系社区，由社区安排。"),
    ("出行", "外地返回要报备吗？", "要。到达前一天向所在社区报备，到达后按要求做核酸。"),
    (
        "居家隔离",
        "居家隔离每天要做什么？",
        "每天早晚各测一次体温并在社区页面上报，不出门，不接待访客。",
    ),
    ("居家隔离", "隔离期间垃圾怎么处理？", "装袋封好放门口，社区工作人员每天统一收取。"),
    ("生活物资", "家里缺菜缺药怎么办？", "扫小区门口的二维码或打社区电话求助，志愿者送到门口。"),
    ("生活物资", "团购物资能进小区吗？", "可以，放在小区门口指定点位，消杀后由志愿者分送。"),
    ("疫苗", "哪里可以打疫苗？", "各社区卫生服务中心，带身份证；行动不便的老人可预约上门。"),
)
CALLS = (
    ("封控期间还要做核酸吗", 0, False),
    ("家里老人缺降压药怎么办", 7, True),
    ("外地回来要不要报备", 4, False),
    ("快递能不能送到楼下", None, True),
)


def add_demo_notices(*, hq: User) -> dict[str, int]:
    """Once: the notice, the answers, the calls."""
    if Notice.objects.exists() or Answer.objects.exists():
        return {}
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    city = Place.objects.filter(kind=PlaceKind.CITY).order_by("code").first()
    if community is None or city is None:
        return {}
    notice = services.notice_create(
        actor=hq,
        place=community,
        title="关于开展全员核酸检测的告知书",
        body=(
            "各位居民：\n明天早上7点到11点，在小区北门采样点做核酸检测。"
            "请带好手机和身份证，戴好口罩，排队时保持一米距离。\n"
            "行动不便的老人请提前打社区电话，我们安排上门采样。\n谢谢大家配合！"
        ),
        to_public=True,
        to_staff=True,
        until=timezone.localdate() + dt.timedelta(days=14),
    )
    services.notice_publish(actor=hq, notice=notice)
    rows = [
        answers.answer_save(
            actor=hq, city=city, topic=topic, question=question, text=text, checked=True
        )
        for topic, question, text in ANSWERS
    ]
    # One answer not checked for two months: the HQ sees it flagged.
    Answer.objects.filter(pk=rows[8].pk).update(
        checked_on=timezone.localdate() - dt.timedelta(days=60)
    )
    now = timezone.now()
    for n, (question, index, follow_up) in enumerate(CALLS):
        answers.hotline_log(
            actor=hq,
            place=community,
            question=question,
            answer=rows[index] if index is not None else None,
            answer_given="" if index is not None else "已记录，稍后回电。",
            follow_up=follow_up,
            taken_at=now - dt.timedelta(hours=3 * (n + 1)),
        )
    return {"notice": 1, "policy answer": len(rows), "hotline call": len(CALLS)}
