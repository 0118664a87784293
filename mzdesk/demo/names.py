"""Name pools and fixed vocabulary of the demo township 茶店镇.

Surnames are weighted by their approximate share of the population (2020
census order); given names are drawn from about 300 common characters,
with separate pools per sex and per generation so that a grandmother is a
秀英 and her granddaughter a 梓涵.
"""
from __future__ import annotations

import itertools

TOWNSHIP = "茶店镇"
DISTRICT = "某某区"
TOWNSHIP_CODE = "510112108"  # the first 9 digits of every village's 区划代码
INSTITUTIONS = ("区敬老养老中心", "茶店镇敬老院")

SETTINGS = (
    ("township", TOWNSHIP),
    ("district", DISTRICT),
    ("preparer", "李晓梅"),
    ("reviewer", "王建华"),
    ("head", "张德明"),
    ("institutions", ",".join(INSTITUTIONS)),
)
REVIEWER = "王建华"

# (name, kind, last three digits of the 区划代码, share of households).
# 居委会 codes are 0xx and 村委会 codes 2xx, as in the national table.
VILLAGES = (
    ("茶店社区", "社区", "001", 13),
    ("新街社区", "社区", "002", 10),
    ("长丰村", "村", "201", 11),
    ("石桥村", "村", "202", 9),
    ("桂花村", "村", "203", 8),
    ("白鹤村", "村", "204", 9),
    ("太平村", "村", "205", 8),
    ("青岗村", "村", "206", 7),
    ("金花村", "村", "207", 9),
    ("双河村", "村", "208", 8),
    ("红星村", "村", "209", 8),
)
PILOT_VILLAGE = "长丰村"
STREETS = ("茶店街", "新民路", "建设路", "育才路", "和平街", "桂湖路")

# The township's own region code most of the time; spouses and in-movers
# bring others (shape only: the ID rules never look them up).
HOME_REGION = "510112"
OTHER_REGIONS = ("510113", "510121", "510104", "510108", "510122", "511024",
                 "510722", "511321", "513021", "510321")

SURNAMES = (
    ("王", 712), ("李", 700), ("张", 674), ("刘", 610), ("陈", 461), ("杨", 322),
    ("黄", 245), ("赵", 219), ("吴", 200), ("周", 195), ("徐", 145), ("孙", 138),
    ("马", 129), ("朱", 126), ("胡", 116), ("郭", 115), ("何", 126), ("林", 102),
    ("高", 100), ("罗", 115), ("郑", 87), ("梁", 85), ("谢", 86), ("宋", 61),
    ("唐", 80), ("许", 59), ("韩", 56), ("邓", 75), ("冯", 55), ("曹", 51),
    ("彭", 60), ("曾", 58), ("肖", 57), ("田", 46), ("董", 44), ("潘", 42),
    ("袁", 52), ("蔡", 41), ("蒋", 50), ("余", 49), ("于", 39), ("杜", 48),
    ("叶", 37), ("程", 36), ("魏", 35), ("苏", 35), ("吕", 34), ("丁", 33),
    ("任", 42), ("卢", 31), ("姚", 30), ("沈", 30), ("钟", 39), ("姜", 29),
    ("崔", 28), ("谭", 37), ("陆", 27), ("范", 26), ("汪", 26), ("廖", 35),
    ("石", 25), ("金", 25), ("韦", 24), ("贾", 24), ("夏", 23), ("付", 33),
    ("方", 22), ("邹", 21), ("熊", 31), ("白", 20), ("孟", 20), ("秦", 20),
    ("邱", 30), ("侯", 19), ("江", 19), ("尹", 19), ("薛", 18), ("闫", 18),
    ("段", 17), ("雷", 27), ("龙", 16), ("黎", 16), ("史", 16), ("陶", 15),
    ("贺", 15), ("毛", 14), ("郝", 14), ("顾", 14), ("龚", 14), ("邵", 13),
    ("万", 13), ("覃", 12), ("武", 12), ("钱", 12), ("戴", 12), ("严", 12),
    ("莫", 11), ("孔", 11), ("向", 11), ("常", 11), ("汤", 11), ("康", 10),
    ("易", 10), ("乔", 10), ("赖", 10), ("文", 10), ("单", 5), ("解", 4),
)
SURNAME_CHARS = tuple(s for s, _ in SURNAMES)
SURNAME_CUM = tuple(itertools.accumulate(w for _, w in SURNAMES))

# Given-name characters by (sex, generation). Generation 0: born before
# 1960, 1: 1960–1989, 2: 1990 on.
_GIVEN_RAW = {
    ("男", 0): "德明华国建福贵林忠清山发文荣海光才富洪树志家全云成永兴宗禄贤有金正顺万昌祥元"
               "守先炳开培世泽天章鹏远吉庆长春学仁义礼智寿喜财根生堂官朝宝银铭崇",
    ("女", 0): "秀英兰芳珍桂凤琼淑素翠玉梅花华莲云菊芬霞群碧蓉惠琴美香娥春仙冬月娣银珠彩巧"
               "秋荷贞淑芝萍桃杏爱琼翠瑞娇丽佩宜环竹",
    ("男", 1): "伟勇军强斌波涛辉刚平杰鹏健俊峰磊超亮明东飞兵宇红伦江洋庆川旭彬坤成龙浩毅锋"
               "松良德云清志建华利兴军胜卫东民力海军春雷宁晖",
    ("女", 1): "丽敏静燕红艳娟霞琳玲莉萍芳婷娜梅丹倩颖蓉雪慧晓琴英洁瑜佳春兰秀群利莎蕾晶冬"
               "梅萍薇凤菁璐露晴妮茜瑾",
    ("男", 2): "浩宇轩子睿博文泽皓航俊涵铭杰然锦瑞恒晨煜宸逸辰昊思嘉毅诚凯豪天一奕梓硕阳宏"
               "伟鑫磊翔骏哲沐霖烨祺钧淳晟琦焱楷",
    ("女", 2): "欣怡梓涵诗雨萱婷琪悦梦可佳思晨雪馨妍瑶菲彤玥芷若依语心蕊琳月楠雅晴紫薇静颖"
               "昕蔓汐妤茜璇熙苒岚漫灵珊韵",
}
# Unique characters per pool, in a fixed order (determinism).
GIVEN = {key: "".join(dict.fromkeys(chars)) for key, chars in _GIVEN_RAW.items()}
# Share of two-character given names per generation.
TWO_CHAR = {0: 0.78, 1: 0.62, 2: 0.86}


BANKS = (("622848", "中国农业银行"), ("621700", "中国建设银行"),
         ("621791", "四川农信"), ("622823", "中国农业银行"))
PHONE_PREFIXES = ("133", "135", "136", "138", "139", "150", "151", "158", "159",
                  "177", "180", "181", "182", "189", "199")

DIBAO_STOP_REASONS = (("收入超标", 7), ("迁出", 3))
DISABILITY_TYPES = ("肢体", "视力", "听力", "言语", "智力", "精神", "多重")
FUNERAL_HOME = "区殡仪馆"

ACTIVITIES = (
    ("老年人文化活动", "春节老年人联欢会", 1),
    ("老年人文化活动", "老年人健康知识讲座", 4),
    ("老年人文化活动", "端午节包粽子活动", 6),
    ("老年人文化活动", "重阳节敬老文艺演出", 10),
    ("老年人文化活动", "老年人象棋比赛", 11),
)
PUBLIC_AFFAIRS_CHECK = ("村务公开检查", "村务公开示范单位检查验收")
