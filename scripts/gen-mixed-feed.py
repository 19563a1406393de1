#!/usr/bin/env python3
"""Generate a large synthetic RSS 2.0 feed of mixed Hebrew/English news, for benchmarks.

    python3 scripts/gen-mixed-feed.py [--items 5000] [--seed 1] OUT.xml

The mix: about 50% Hebrew items with English (Latin-script) names inside, 40% English items
with Hebrew words quoted inside, 10% Arabic or Russian. Titles are 60-100 characters;
descriptions are 2-4 HTML paragraphs of 400-900 characters, half as escaped HTML, half in
CDATA. guids are unique, pubDates run backwards from a fixed instant. The output depends only
on --items and --seed: the same arguments give the same bytes. Every sentence is synthetic;
people and companies are fictional. Standard library only.
"""

import argparse
import datetime
import email.utils
import random
import sys
from xml.sax.saxutils import escape

# ---- word banks (fictional people and companies) ------------------------------------------

COMPANIES = ["Arbel Labs", "Kinneret Systems", "Negev Robotics", "BlueHarbor", "Carmel Data",
             "Tavor AI", "Galil Chips", "RoadPulse", "Yarkon Bio", "Sharon Cloud", "Ramon Energy",
             "Hermon Security", "Eilat Marine Tech", "Jezreel Foods", "Modiin Motors"]
PEOPLE_EN = ["Dana Levi", "Amir Cohen", "Noa Peretz", "Yossi Mizrahi", "Maya Haddad",
             "Oren Katz", "Tamar Golan", "Eitan Shapiro", "Rivka Stern", "Lior Ashkenazi"]
TECH = ["iPhone", "Android", "AI", "5G", "SMS", "Wi-Fi", "USB-C", "GPS", "cloud"]
EVENTS = ["Tech Harbor", "Data Days", "Negev Summit", "Open Source Week", "Food Tech Forum"]

CITIES_HE = ["תל אביב", "ירושלים", "חיפה", "באר שבע", "אילת", "נתניה", "ראשון לציון", "עכו",
             "טבריה", "אשדוד", "רחובות", "כפר סבא"]
THINGS_HE = ["מרכז פיתוח חדש", "מוצר חדש לעסקים קטנים", "מעבדת מחקר לבינה מלאכותית",
             "שיתוף פעולה עם אוניברסיטה מקומית", "קו ייצור חדש", "תוכנית הכשרה למהנדסות"]
METRICS_HE = ["מדד המחירים לצרכן", "מספר המשתמשים", "היצוא הטכנולוגי", "מחיר הדירה הממוצע",
              "מספר התיירים", "שיעור התעסוקה"]

CITIES_EN = ["Tel Aviv", "Jerusalem", "Haifa", "Beersheba", "Eilat", "Netanya", "Acre",
             "Tiberias", "Ashdod", "Rehovot", "Nazareth", "Jaffa"]
HE_WORDS = [("שקשוקה", "shakshuka"), ("הפוך", "latte"), ("יאללה", "let's go"),
            ("חמסין", "heat wave"), ("סבבה", "fine"), ("בלגן", "mess"), ("חוצפה", "nerve"),
            ("תכלס", "bottom line"), ("פרגון", "generous praise"), ("מיזנק", "startup"),
            ("שכונה", "neighborhood"), ("טרמפ", "hitchhike")]
HE_PHRASES = ["קטן אבל חכם", "הכי טוב בעיר", "עושים שכונה", "קיץ בלי פקקים",
              "חוזרים לשגרה", "בואו לרקוד", "הטעם של הבית", "כולם על אופניים"]

CITIES_AR = ["حيفا", "الناصرة", "عكا", "القدس", "يافا", "أم الفحم"]
CITIES_RU = ["Хайфа", "Ашдод", "Натания", "Бат-Ям", "Беэр-Шева", "Ришон-ле-Цион"]

# ---- sentence and title templates -----------------------------------------------------------

HE_SENTENCES = [
    "חברת {co} הודיעה היום על {thing} ב{city}.",
    "לפי נתוני הלמ״ס, {metric} עלה ב־{pct}% ברבעון האחרון.",
    "{person} מחברת {co}: החברה מתכננת לגייס {n} עובדים חדשים בשנה הבאה.",
    "בבורסה בתל אביב נסחרה מניית {co} במגמה חיובית לאחר פרסום הדו״ח הרבעוני.",
    "השירות המטאורולוגי צופה גשם ב{city} וטמפ׳ של {small} מעלות בלילה.",
    "המשתמשים יוכלו להוריד את האפליקציה ל־iPhone ול־Android כבר מהשבוע הבא.",
    "העירייה ב{city} הודיעה כי תפתח {small} כיתות חדשות לקראת שנת הלימודים.",
    "בכנס {event} שנערך ב{city} השתתפו יותר מ־{n} אנשים מ־{small} מדינות.",
    "לדברי {person}, השימוש ב־{tech} בקרב עסקים קטנים הוכפל בתוך שנתיים.",
    "מחלקת המו״פ של {co} תעבור בקיץ לבניין חדש ליד תחנת הרכבת.",
    "ברשות המקומית מקווים שהפרויקט ייצור כ־{n} מקומות עבודה באזור.",
    "התושבים מתבקשים לעקוב אחר העדכונים באתר העירייה ובקבוצות ה־WhatsApp השכונתיות.",
]
HE_TITLES = [
    "{co} תפתח {thing} ב{city}",
    "{metric} עלה ב־{pct}% ברבעון האחרון",
    "{co} מגייסת {n} עובדים חדשים ב{city}",
    "גשם ב{city}: הטמפ׳ תרד ל־{small} מעלות בלילה",
    "כנס {event} ב{city} שבר שיא משתתפים",
    "אפליקציה חדשה ל־{tech} תושק ב{city} בשבוע הבא",
    "{person}: \"השימוש ב־{tech} הוכפל בתוך שנתיים\"",
]
HE_TITLE_TAILS = [" – כך עולה מנתונים חדשים", " לקראת סוף השנה", " לפי הודעת החברה",
                  " ובעירייה מברכים על המהלך", " למרות העלייה בעלויות"]

EN_SENTENCES = [
    "Residents of {city} have started calling the new park ‘{hw}’, Hebrew for “{gloss}.”",
    "The campaign’s Hebrew slogan, “{hp},” appeared on buses across {city} this week.",
    "{person} of {co} said the company would hire {n} engineers in {city} next year.",
    "The statement, published in Hebrew under the headline “{hp},” did not give a date.",
    "Forecasters expect rain in {city}, with temperatures dropping to {small}°C overnight.",
    "Shares of {co} rose {pct}% in Tel Aviv trading after the quarterly report.",
    "Organizers said more than {n} visitors attended the {event} festival in {city}.",
    "Locals use the word {hw} – roughly “{gloss}” – to describe the mood at the market.",
    "The R&D team at {co} is moving to a new building near the {city} train station.",
    "Users will be able to pay with iPhone and Android phones from next month, the company said.",
    "City officials hope the project will create about {n} jobs in the area.",
    "A sign reading “{hp}” hung over the entrance, and the queue reached the corner.",
]
EN_TITLES = [
    "{co} to open a new development center in {city}",
    "Why everyone in {city} is suddenly saying ‘{hw}’",
    "{city} festival draws {n} visitors despite the rain",
    "Shares of {co} jump {pct}% after a strong quarter",
    "Hebrew slogan ‘{hp}’ becomes a hit on {city} buses",
    "{person}: {tech} use among small businesses doubled",
    "Rain and cooler nights forecast for {city} this weekend",
]
EN_TITLE_TAILS = [", officials say", " as demand keeps rising", " ahead of the holidays",
                  ", a new survey finds", " despite higher costs"]

AR_SENTENCES = [
    "أعلنت بلدية {city} عن افتتاح حديقة عامة جديدة في وسط المدينة.",
    "قالت شركة {co} إنها ستوظف {n} مهندسا جديدا خلال العام المقبل.",
    "تتوقع الأرصاد الجوية أمطارا في الشمال وانخفاض درجات الحرارة إلى {small} درجة.",
    "شارك أكثر من {n} زائر في مهرجان الطعام الذي أقيم في {city}.",
    "أطلقت الشركة تطبيقا جديدا لهواتف iPhone وAndroid يتيح حجز المواعيد.",
    "وأضاف المنظمون أن الدورة المقبلة ستقام في الربيع بمشاركة فرق من عدة دول.",
    "وقال مسؤولون في البلدية إن أعمال تطوير الشوارع ستنتهي قبل نهاية العام.",
    "وارتفع عدد السياح الذين زاروا {city} بنسبة {pct}% مقارنة بالعام الماضي.",
    "ويستطيع السكان متابعة التحديثات عبر موقع البلدية ومجموعات WhatsApp المحلية.",
    "وتخطط شركة {co} لافتتاح مختبر أبحاث للذكاء الاصطناعي في {city}.",
]
AR_TITLES = [
    "بلدية {city} تفتتح حديقة عامة جديدة في وسط المدينة",
    "مهرجان الطعام في {city} يستقطب أكثر من {n} زائر",
    "شركة {co} تعلن عن توظيف {n} مهندسا جديدا",
]
AR_TITLE_TAILS = [" هذا الأسبوع", " رغم الأمطار", " بحسب المنظمين"]

RU_SENTENCES = [
    "Мэрия города {city} объявила об открытии нового парка в центре города.",
    "Представитель компании {co} сообщил, что в следующем году компания наймёт {n} инженеров.",
    "Синоптики ожидают дождь на севере страны и похолодание до {small} градусов ночью.",
    "Более {n} человек посетили фестиваль еды в городе {city}.",
    "Приложение для записи к врачу теперь доступно для iPhone и Android.",
    "Организаторы сообщили, что следующий фестиваль пройдёт весной.",
    "Число туристов в городе {city} выросло на {pct}% по сравнению с прошлым годом.",
    "Компания {co} планирует открыть лабораторию искусственного интеллекта в городе {city}.",
    "Жители могут следить за новостями на сайте мэрии и в местных группах WhatsApp.",
    "По данным мэрии, ремонт дорог в центре города завершится до конца года.",
]
RU_TITLES = [
    "В городе {city} открылся новый парк в центре города",
    "Компания {co} наймёт {n} инженеров в следующем году",
    "Фестиваль еды в городе {city} посетили более {n} человек",
]
RU_TITLE_TAILS = [" на этой неделе", ", сообщают организаторы", " несмотря на дождь"]

LANGS = {
    "he": (HE_TITLES, HE_TITLE_TAILS, HE_SENTENCES, CITIES_HE, "לכתבה המלאה", "חדשות"),
    "en": (EN_TITLES, EN_TITLE_TAILS, EN_SENTENCES, CITIES_EN, "Read more", "News"),
    "ar": (AR_TITLES, AR_TITLE_TAILS, AR_SENTENCES, CITIES_AR, "اقرأ المزيد", "أخبار"),
    "ru": (RU_TITLES, RU_TITLE_TAILS, RU_SENTENCES, CITIES_RU, "Читать далее", "Новости"),
}


def fill(template, rng, cities):
    hw, gloss = rng.choice(HE_WORDS)
    return template.format(
        co=rng.choice(COMPANIES), person=rng.choice(PEOPLE_EN), tech=rng.choice(TECH),
        event=rng.choice(EVENTS), city=rng.choice(cities), thing=rng.choice(THINGS_HE),
        metric=rng.choice(METRICS_HE), hw=hw, gloss=gloss, hp=rng.choice(HE_PHRASES),
        pct=f"{rng.randint(1, 99) / 10:.1f}", n=f"{rng.randint(12, 4000):,}",
        small=rng.randint(2, 40))


def title(rng, lang):
    titles, tails, _, cities, _, _ = LANGS[lang]
    while True:
        text = fill(rng.choice(titles), rng, cities)
        for tail in rng.sample(tails, len(tails)):
            if len(text) >= 60:
                break
            text += tail
        if 60 <= len(text) <= 100:
            return text


def description(rng, lang, link):
    _, _, sentences, cities, more, _ = LANGS[lang]
    count = rng.randint(2, 4)
    target = rng.randint(400, 900)
    paragraphs = [[] for _ in range(count)]
    tail = f'<p><a href="{link}">{more}</a></p>' if rng.random() < 0.5 else ""

    def html():
        body = "".join("<p>" + " ".join(p) + "</p>" for p in paragraphs if p)
        return body + tail

    deck = []  # templates dealt without replacement, so an item repeats none until all are used
    i = 0
    while True:
        if not deck:
            deck = rng.sample(sentences, len(sentences))
        sentence = escape(fill(deck.pop(), rng, cities))
        if rng.random() < 0.1:
            sentence = sentence.replace(" ", " <strong>", 1) + "</strong>"
        paragraphs[i % count].append(sentence)
        length = len(html())
        if length > 900 and i >= count:
            paragraphs[i % count].pop()
            break
        if length >= target and i + 1 >= count:
            break
        i += 1
    return html()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the RSS file to write")
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    when = datetime.datetime(2026, 11, 27, 18, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    counts = {lang: 0 for lang in LANGS}
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
             "<title>nahar benchmark feed (synthetic)</title>\n"
             "<link>https://news.example.org/</link>\n"
             "<description>Synthetic mixed Hebrew/English news generated by "
             "scripts/gen-mixed-feed.py; all content is fictional</description>\n"]
    for i in range(args.items):
        roll = rng.random()
        lang = "he" if roll < 0.5 else "en" if roll < 0.9 else "ar" if roll < 0.95 else "ru"
        counts[lang] += 1
        link = f"https://news.example.org/{lang}/bench/{args.seed}/{i + 1}"
        head = title(rng, lang)
        body = description(rng, lang, link)
        if rng.random() < 0.5:
            body_xml = "<![CDATA[" + body + "]]>"
        else:
            body_xml = escape(body)
        when -= datetime.timedelta(seconds=rng.randint(30, 900))
        parts.append(
            "<item>\n"
            f"<title>{escape(head)}</title>\n"
            f"<link>{link}</link>\n"
            f'<guid isPermaLink="false">bench-{args.seed}-{i + 1:07d}</guid>\n'
            f"<pubDate>{email.utils.format_datetime(when)}</pubDate>\n"
            f"<category>{LANGS[lang][5]}</category>\n"
            f"<description>{body_xml}</description>\n"
            "</item>\n")
    parts.append("</channel>\n</rss>\n")
    data = "".join(parts).encode("utf-8")
    with open(args.out, "wb") as f:
        f.write(data)
    mix = ", ".join(f"{lang} {n}" for lang, n in counts.items())
    print(f"wrote {args.out}: {args.items} items ({mix}), {len(data):,} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
