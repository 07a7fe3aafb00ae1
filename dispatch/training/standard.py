"""The professional standard's labour functions and tasks a programme may serve.

Copied from ``shared/data/standard/labour-functions.md`` (the standard's functional map,
section III): a task code is ``<function>.<task>.<level>``, its last digit the qualification
level (3 operator, 4 data clerk and supervisor). The English glosses are that file's; the
Uzbek names are the standard's own. No code here is invented: a programme naming another is
refused.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    """A labour task (``A1.01.3``) of a labour function (``A1.3``) at a level."""

    code: str
    function: str
    level: int
    uz: str
    en: str


TASKS: tuple[Task, ...] = (
    Task("A1.01.3", "A1.3", 3, "Chaqiruvlarga o‘z vaqtida xizmat ko‘rsatish",
         "answering calls on time"),
    Task("A1.02.3", "A1.3", 3,
         "Shoshilinch hodisalarda fuqarolarning murojaatlarini to‘liq ifodalovchi elektron "
         "chaqiruv kartalarini rasmiylashtirish",
         "filling electronic call cards that fully describe the request"),
    Task("A1.03.3", "A1.3", 3, "Qayta qo‘ng‘iroqlarni amalga oshirish", "making callbacks"),
    Task("A2.01.3", "A2.3", 3, "Hodisadan kelib chiqib, fuqarolarga ijtimoiy maslahat berish",
         "social advice according to the incident"),
    Task("A2.02.3", "A2.3", 3,
         "Shoshilinch chaqiruvlarga hodisadan kelib chiqib, masofaviy dastlabki yordam "
         "ko‘rsatish",
         "remote first aid according to the incident"),
    Task("A2.03.3", "A2.3", 3,
         "Kuchli ruhiy hayajon va ta’sirlanish, keskin psixologik reaksiya holatida "
         "berilayotgan chaqiruvlarga ruhiy-emotsional holatini tinchlantirish maqsadida "
         "masofadan tezkor psixologik yordam ko‘rsatish",
         "remote urgent psychological help to calm callers in acute distress"),
    Task("B1.01.4", "B1.4", 4, "Trening dasturlarini ishlab chiqish",
         "developing training programmes"),
    Task("B1.02.4", "B1.4", 4, "Trening tashkil etish va amalga oshirish",
         "organising and running trainings"),
    Task("B1.03.4", "B1.4", 4, "Trening samaradorligini baholash",
         "evaluating training effectiveness"),
    Task("B2.01.4", "B2.4", 4, "Suhbatlarning sifatini monitoring qilish",
         "monitoring the quality of calls"),
    Task("B2.02.4", "B2.4", 4, "Xatolarni aniqlash va tuzatish", "finding and correcting errors"),
    Task("B2.03.4", "B2.4", 4, "Ish samaradorligini baholash", "evaluating work effectiveness"),
    Task("B3.01.4", "B3.4", 4,
         "Xodimlarning ish vaqti, chaqiruvlar statistikasi, mijozlar qayta aloqasi kabi "
         "koʻrsatkichlarni tahlil qilish",
         "analysing staff working time, call statistics, customer feedback"),
    Task("B3.02.4", "B3.4", 4,
         "Shoshilinch xizmatlar bilan ma’lumot almashinuvi doirasida chaqiruvlarning "
         "bajarilishi yuzasidan hamkorlik qilish",
         "working with the emergency services on the completion of calls"),
    Task("D1.01.4", "D1.4", 4,
         "Operatorlar tomonidan hal qilinmagan yoki murakkab holatlarga to‘liq aralashish, "
         "ularni qonuniy talablar va o‘rnatilgan tartibga muvofiq hal etish",
         "taking over unresolved or complex cases"),
    Task("D1.02.4", "D1.4", 4,
         "Operatorlarning chaqiruvlarga javob berish jarayoni, elektron kartalarni toʻldirish "
         "toʻliqligi va qayta qoʻngʻiroq samaradorligini real vaqt rejimida nazorat qilish",
         "real-time control of answering, card completeness and callback effectiveness"),
    Task("D1.03.4", "D1.4", 4,
         "Chaqiruvlarni taqsimlash, navbatlarni boshqarish, operatorlarning ish yukini "
         "muvozanatlash orqali xizmat koʻrsatish samaradorligini oshirish",
         "distributing calls, managing queues, balancing operators' load"),
    Task("D2.01.4", "D2.4", 4,
         "Xodimlarda monitoring mutaxassislari tomonidan aniqlangan kamchiliklar asosida "
         "xodimlarni o'qitish",
         "training staff on the weaknesses QA found"),
    Task("D2.02.4", "D2.4", 4,
         "Shoshilinch xizmatlarga oid qonunchilikdagi o‘zgarishlarni xizmatga moslashtirish va "
         "amaliyotga joriy etishda ishtirok etish",
         "bringing changes in emergency-service law into practice"),
)  # fmt: skip

BY_CODE = {task.code: task for task in TASKS}
