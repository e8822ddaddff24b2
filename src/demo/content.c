/* content.c: the words of the demo city — towns, villages, people, IDs, phones and case
 * texts in simplified Chinese — drawn deterministically from a splitmix64 stream. */
#include "demo/content.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

/* ---- generator ---- */

uint64_t pa_rng_next(struct pa_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint32_t pa_rng_below(struct pa_rng *r, uint32_t n)
{
	if (n <= 1)
		return 0;
	/* Rejecting the incomplete top slice keeps small tables free of modulo bias; it is
	 * hit with probability < 2^-32, so the stream stays effectively one draw per call. */
	uint64_t lim = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = pa_rng_next(r);
	while (x >= lim);
	return (uint32_t)(x % n);
}

double pa_rng_unit(struct pa_rng *r)
{
	return (double)(pa_rng_next(r) >> 11) * 0x1.0p-53;
}

static const char *pick(struct pa_rng *r, const char *const *v, size_t n)
{
	return v[pa_rng_below(r, (uint32_t)n)];
}

#define PICK(r, v) pick((r), (v), NELEM(v))

/* ---- towns ---- */

static const struct {
	const char *name, *kind;
} towns[] = {
	{"竟陵街道", "street"}, {"杨林街道", "street"}, {"侨乡街道", "street"},
	{"渔薪镇", "town"},     {"黄潭镇", "town"},     {"岳口镇", "town"},
	{"横林镇", "town"},     {"彭市镇", "town"},     {"麻洋镇", "town"},
	{"多祥镇", "town"},     {"干驿镇", "town"},     {"马湾镇", "town"},
	{"卢市镇", "town"},     {"小板镇", "town"},     {"九真镇", "town"},
	{"皂市镇", "town"},     {"胡市镇", "town"},     {"石家河镇", "town"},
	{"佛子山镇", "town"},   {"汪场镇", "town"},     {"拖市镇", "town"},
	{"张港镇", "town"},     {"蒋场镇", "town"},     {"净潭乡", "township"},
	{"蒋湖农场", "farm"},
};

const int pa_demo_ntowns = (int)NELEM(towns);
_Static_assert(NELEM(towns) == 25, "the demo city has 25 towns and sub-districts");

const char *pa_demo_town_name(int i)
{
	return i >= 0 && i < pa_demo_ntowns ? towns[i].name : NULL;
}

const char *pa_demo_town_kind(int i)
{
	return i >= 0 && i < pa_demo_ntowns ? towns[i].kind : NULL;
}

/* ---- villages and communities ---- */

/* Village stems are prefix + landform. Every prefix is one or two characters and every
 * landform exactly one, none of them 家, so prefix+landform is injective: equal strings
 * have equal lengths, hence equal prefixes, hence equal landforms. */
static const char *const village_prefix[] = {
	"罗家", "张家", "王家", "李家", "刘家", "陈家", "杨家", "黄家", "胡家", "彭家",
	"万家", "汪家", "熊家", "邓家", "肖家", "余家", "涂家", "鲁家", "龚家", "谢家",
	"周家", "吴家", "徐家", "曾家", "程家", "蔡家", "姜家", "严家", "袁家", "孟家",
	"张",   "王",   "李",   "刘",   "陈",   "杨",   "黄",   "高",   "马",   "柳",
	"新",   "老",   "大",   "小",   "东",   "西",   "南",   "北",   "团",   "沙",
	"龙",   "石",   "白",   "双",   "三",   "长",   "青",   "桂",
};
static const char *const village_landform[] = {
	"台", "湾", "河", "岭", "垸", "场", "口", "桥", "咀", "岗", "堤", "湖", "集", "庙", "铺",
	"坪", "港", "渡", "墩", "洲", "堰", "林", "塘", "垴", "坡", "畈", "岔", "坝", "嘴", "滩",
};
/* Community names are whole; none ends in a numeral or digit, so the numbered second
 * round ("新河二社区") cannot collide with the first. */
static const char *const community_stem[] = {
	"陆羽",   "竟陵",   "新河",   "东湖", "西湖", "北湖", "南湖", "钟惺", "鸿渐", "茶圣",
	"文学泉", "西塔寺", "天门山", "官路", "花园", "幸福", "和平", "建设", "人民", "光明",
	"朝阳",   "东风",   "红旗",   "解放", "复兴", "城关", "滨湖", "荷花", "兴隆", "向阳",
	"民主",   "团结",   "胜利",   "友谊", "金桥", "育才", "工农", "石桥", "新城", "翠屏",
	"书院",   "学府",   "府前",   "长寿", "凤凰", "龙潭", "柳湖", "杨柳", "桂花", "银湖",
	"顺河",   "沿河",   "康乐",   "天鹅", "雁叫", "白龙",
};

static uint32_t gcd32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Slot of index i in a per-town permutation of [0, n): an affine map with a stride
 * coprime to n is a bijection, so neighbouring indices get unrelated-looking names and
 * two towns list their villages in different orders. */
static uint32_t permute(uint32_t i, uint32_t town, uint32_t n)
{
	uint32_t stride = 389 % n;
	while (stride == 0 || gcd32(stride, n) != 1)
		stride++;
	uint32_t off = (uint32_t)(((uint64_t)town * 7919u + 13u) % n);
	return (uint32_t)(((uint64_t)(i % n) * stride + off) % n);
}

static const char *const cn_digit[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

const char *pa_demo_village_name(struct pa_arena *a, struct pa_rng *r, int town, int index,
				 int is_community)
{
	/* The name is a function of (town, index, kind) alone: it must come out the same
	 * whatever else has been drawn, so the stream is deliberately not consumed. */
	(void)r;
	uint32_t i = (uint32_t)index, t = (uint32_t)town;
	uint32_t n;
	char stem[64];
	if (is_community) {
		n = NELEM(community_stem);
		strcpy(stem, community_stem[permute(i, t, n)]);
	} else {
		uint32_t np = NELEM(village_prefix);
		n = np * (uint32_t)NELEM(village_landform);
		uint32_t k = permute(i, t, n);
		strcpy(stem, village_prefix[k % np]);
		strcat(stem, village_landform[k / np]);
	}
	const char *suffix = is_community ? "社区" : "村";
	uint32_t round = i / n;
	if (round == 0)
		return pa_sprintf(a, "%s%s", stem, suffix);
	if (round + 1 <= 9)
		return pa_sprintf(a, "%s%s%s", stem, cn_digit[round + 1], suffix);
	return pa_sprintf(a, "%s%u%s", stem, round + 1, suffix);
}

/* ---- people ---- */

/* Weights are rough shares per mille of the population; the Hubei-heavy surnames (熊, 涂,
 * 万, 彭, 龚) get a little more than the national figure. */
static const struct {
	const char *s;
	unsigned w;
} surnames[] = {
	{"王", 71}, {"李", 70}, {"张", 68}, {"刘", 54}, {"陈", 46}, {"杨", 31}, {"黄", 23},
	{"赵", 23}, {"吴", 20}, {"周", 19}, {"徐", 14}, {"孙", 14}, {"马", 12}, {"朱", 12},
	{"胡", 14}, {"郭", 11}, {"何", 10}, {"高", 10}, {"林", 10}, {"罗", 10}, {"郑", 9},
	{"梁", 8},  {"谢", 8},  {"宋", 7},  {"唐", 7},  {"许", 6},  {"韩", 6},  {"冯", 6},
	{"邓", 7},  {"曹", 6},  {"彭", 8},  {"曾", 5},  {"肖", 6},  {"田", 5},  {"董", 5},
	{"袁", 5},  {"潘", 4},  {"于", 4},  {"蒋", 4},  {"蔡", 4},  {"余", 5},  {"杜", 4},
	{"叶", 4},  {"程", 4},  {"苏", 4},  {"魏", 4},  {"吕", 4},  {"丁", 3},  {"任", 3},
	{"沈", 3},  {"姚", 3},  {"卢", 3},  {"姜", 3},  {"崔", 3},  {"钟", 3},  {"谭", 3},
	{"陆", 3},  {"汪", 4},  {"范", 3},  {"金", 3},  {"石", 3},  {"廖", 3},  {"贾", 3},
	{"夏", 3},  {"付", 2},  {"方", 2},  {"熊", 4},  {"鲁", 2},  {"龚", 3},  {"涂", 3},
	{"万", 3},  {"童", 2},  {"雷", 2},  {"严", 2},  {"易", 2},  {"聂", 1},
};

/* Two-character given names: a first character and a second from the same register. */
static const char *const male_first[] = {
	"建", "国", "志", "文", "海", "永", "德", "明", "家", "晓", "俊", "子", "新", "天",
	"宏", "立", "振", "光", "春", "金", "浩", "博", "宇", "思", "正", "洪", "胜", "学",
};
static const char *const male_second[] = {
	"伟", "强", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华",
	"飞", "波", "峰", "磊", "俊", "浩", "宇", "鑫", "洋", "林", "兵", "亮", "龙", "成",
	"松", "武", "彬", "豪", "东", "民", "清", "安", "军", "阳", "远", "然",
};
static const char *const female_first[] = {
	"秀", "桂", "玉", "丽", "美", "淑", "雅", "晓", "春", "海", "红", "小", "月", "思",
	"梦", "雨", "佳", "欣", "静", "慧", "金", "冬", "爱", "凤", "雪", "诗", "紫", "若",
};
static const char *const female_second[] = {
	"芳", "娟", "敏", "静", "丽", "艳", "霞", "玲", "燕", "红", "梅", "琴",
	"萍", "婷", "雪", "慧", "莉", "兰", "娜", "洁", "英", "华", "凤", "珍",
	"琳", "颖", "蓉", "月", "倩", "怡", "欣", "妍", "涵", "菲", "瑶", "芬",
};
/* Whole given names of the older generations, which composition rarely produces. */
static const char *const classic_given[] = {
	"建国", "建华", "国强", "志强", "志刚", "德华", "卫东", "爱国", "胜利", "建军",
	"建平", "新华", "光明", "红兵", "秀英", "桂英", "桂兰", "秀兰", "玉兰", "淑珍",
	"春梅", "腊梅", "冬梅", "红梅", "凤英", "金莲", "爱华", "丽华", "海燕", "小红",
};

static const char *given_char(struct pa_rng *r, const char *const *v, size_t n, const char *avoid)
{
	size_t k = pa_rng_below(r, (uint32_t)n);
	/* A clash ("明明") reads as a nickname, so step to the neighbour instead of redrawing,
	 * which keeps the draw count fixed. */
	if (avoid && strcmp(v[k], avoid) == 0)
		k = (k + 1) % n;
	return v[k];
}

const char *pa_demo_person_name(struct pa_arena *a, struct pa_rng *r)
{
	unsigned total = 0;
	for (size_t i = 0; i < NELEM(surnames); i++)
		total += surnames[i].w;
	unsigned x = pa_rng_below(r, total);
	const char *sur = surnames[NELEM(surnames) - 1].s;
	for (size_t i = 0; i < NELEM(surnames); i++) {
		if (x < surnames[i].w) {
			sur = surnames[i].s;
			break;
		}
		x -= surnames[i].w;
	}
	uint32_t shape = pa_rng_below(r, 20);
	bool female = pa_rng_below(r, 2);
	if (shape < 5) {
		const char *g = female ? PICK(r, female_second) : PICK(r, male_second);
		return pa_sprintf(a, "%s%s", sur, g);
	}
	if (shape < 8)
		return pa_sprintf(a, "%s%s", sur, PICK(r, classic_given));
	const char *g1 = female ? PICK(r, female_first) : PICK(r, male_first);
	const char *g2 = female ? given_char(r, female_second, NELEM(female_second), g1)
				: given_char(r, male_second, NELEM(male_second), g1);
	return pa_sprintf(a, "%s%s%s", sur, g1, g2);
}

/* ---- identity documents ---- */

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

static bool is_area6(const char *s)
{
	if (!s)
		return false;
	for (int i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[6] == 0;
}

const char *pa_demo_id_number(struct pa_arena *a, struct pa_rng *r, const char *area6)
{
	static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	if (!is_area6(area6))
		area6 = "429006";
	int y = 1940 + (int)pa_rng_below(r, 2005 - 1940 + 1);
	int m = 1 + (int)pa_rng_below(r, 12);
	int d = 1 + (int)pa_rng_below(r, (uint32_t)days_in_month(y, m));
	unsigned seq = 1 + pa_rng_below(r, 999);
	/* The trailing '?' reserves the byte the check digit goes into. */
	char *s = pa_sprintf(a, "%s%04d%02d%02d%03u?", area6, y, m, d, seq);
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (s[i] - '0') * weight[i];
	s[17] = check[sum % 11];
	return s;
}

const char *pa_demo_phone(struct pa_arena *a, struct pa_rng *r)
{
	/* Repeats give the big carriers' long-standing prefixes their larger share. */
	static const char *const prefix[] = {
		"138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "182",
		"183", "187", "188", "178", "147", "130", "131", "132", "155", "156", "185",
		"186", "166", "176", "133", "153", "180", "181", "189", "177", "173", "199",
		"191", "198", "138", "139", "186", "187", "150", "133", "177",
	};
	return pa_sprintf(a, "%s%08u", PICK(r, prefix), pa_rng_below(r, 100000000u));
}

/* ---- case texts ---- */

/* Templates use one-letter tokens in braces:
 *   {P} place  {A}/{B} parties  {a}/{b} parties as "王某" (as titles are written)
 *   {R} 村民/居民  {O} 村委会/居委会  {C} 村调委会/社区调委会 — chosen by the place's suffix
 *   {M} amount in yuan (range per template)  {m} a part of {M}
 *   {N} 2–9  {K} 10–60  {T} 10–60 in tens (for "{T}余")  {L} 1–9  {F} building 1–28
 *   {E} age 45–75  {W} rectify days
 *   {D} when it happened ("近日", "3月12日")  {S} since when ("今年以来") */
struct tmpl {
	const char *title, *desc;
	uint32_t mmin, mmax;
};

static const struct tmpl t_neighbour[] = {
	{"{P}{a}与{b}因排水沟堵塞引发邻里纠纷",
	 "{D}，{P}{R}{A}反映，邻居{B}在屋后砌围墙时将两户共用的排水沟堵塞，雨后积水倒灌进其厨房。"
	 "{A}要求{B}拆除围墙并赔偿损失{M}元，{B}不同意，双方多次争执。当事人请求{C}出面调解。",
	 800, 6000},
	{"{P}{a}与{b}因屋檐滴水问题发生争执",
	 "{D}，{P}{R}{A}与邻居{B}因{B}新建楼房屋檐滴水落入{A}院内发生口角，险些引发肢体冲突。"
	 "网格员接报后到场劝离双方。{A}要求对方加装接水槽，双方同意由{C}组织调解。",
	 0, 0},
	{"{P}{a}反映邻居{b}饲养犬只扰民伤人",
	 "{D}，{P}{R}{A}到{O}反映，邻居{B}在院内饲养{N}条犬只，夜间吠叫不止，且曾咬伤其孙子，"
	 "花去医药费{M}元。{A}多次与对方协商无果，要求{B}拴养犬只并承担医药费，请求调解。",
	 500, 5000},
	{"{P}{a}与{b}因通道堆放杂物发生邻里纠纷",
	 "{P}{R}{A}与{B}两家房屋相邻，{B}{D}在两家之间的通道上堆放柴草和建材，导致{A}"
	 "家农用车无法通行。"
	 "双方为此争吵{N}次，关系紧张。{A}请求{C}调解，要求对方清除堆放物、恢复通行。",
	 0, 0},
	{"{P}{a}与{b}因装修噪音引发邻里矛盾",
	 "{D}，{P}{R}{A}反映楼上住户{B}装修期间经常在午休和晚间施工，噪音影响家中老人休息。"
	 "{A}曾上门沟通，双方发生口角。网格员已登记情况，当事人请求调解并约定施工时段。",
	 0, 0},
};

static const struct tmpl t_land[] = {
	{"{P}{a}与{b}因宅基地界址发生纠纷",
	 "{D}，{P}{R}{A}与{B}因宅基地界址发生争议。{A}称{B}翻建房屋时越过原界址约{L}米，"
	 "占用其宅基地；{B}则认为该界线系分户时确定。双方各执一词，当事人请求{C}依据确权资料调解。",
	 0, 0},
	{"{P}{a}与{b}因承包地边界争议引发纠纷",
	 "{P}{R}{A}反映，相邻承包户{B}{D}翻耕时将田埂向其承包地一侧移动约{L}米，涉及面积近{N}分。"
	 "{A}"
	 "多次找对方理论未果，双方在田间发生推搡。当事人要求按土地确权登记图重新划定边界，请求调解"
	 "。",
	 0, 0},
	{"{P}{a}等农户与{b}因土地流转费发生纠纷",
	 "{D}，{P}{R}{A}等{N}户反映，种植大户{B}流转其承包地共{K}亩，约定每年年底支付流转费，"
	 "但至今仍拖欠{M}元。{A}等人要求{B}一次性结清欠款，否则收回土地。当事人请求{C}组织调解。",
	 12000, 90000},
	{"{P}{a}与{b}因征地补偿款分配发生争议",
	 "{P}因道路建设征收部分集体土地，{R}{A}与{B}对一块{N}亩承包地的补偿款{M}元归属产生争议。"
	 "{A}认为该地由其耕种多年，应归其所有；{B}则称承包合同登记在其名下，{A}只是代耕。双方请求{"
	 "C}调解。",
	 30000, 200000},
	{"{P}{a}与{b}因灌溉用水先后发生争执",
	 "{D}，{P}正值抽水灌溉，{R}{A}与{B}因灌溉先后顺序发生争执，{B}将{A}田边的进水口堵死，"
	 "造成其约{N}亩稻田缺水。网格员已到场稳控。当事人请求{C}协调用水并调解损失赔偿。",
	 0, 0},
};

static const struct tmpl t_family[] = {
	{"{P}{a}与{b}因赡养老人问题发生家庭纠纷",
	 "{P}{R}{A}与弟媳{B}因赡养老人问题产生矛盾。两位老人年逾七旬，{D}因病住院花去医疗费{M}元，"
	 "{B}以分家时未分得房屋为由拒绝分担。{A}请求{C}调解，明确兄弟两家的赡养责任和费用分担。",
	 6000, 50000},
	{"{P}{a}与{b}夫妻因感情不和引发婚姻纠纷",
	 "{D}，{P}{R}{A}到{O}反映，其与配偶{B}结婚多年，{B}长期在外务工，很少往家中寄钱，"
	 "回家后常因琐事与其争吵，{A}提出离婚。双方对孩子抚养权及共同存款{M}"
	 "元的分割意见不一，当事人请求调解。",
	 20000, 150000},
	{"{P}{a}与{b}因分家析产发生纠纷",
	 "{P}{R}{A}的父亲去世后留下老宅一栋及存款{M}元，其兄长已病故。{D}，{A}与嫂子{B}"
	 "因老宅归属及存款分配发生争吵，"
	 "{B}已将老宅门锁更换。{A}请求{C}依据继承的相关规定调解。",
	 30000, 200000},
	{"{P}{a}与{b}因子女抚养费问题发生纠纷",
	 "{P}{R}{A}与{B}于{N}年前离婚，孩子随{A}生活，双方约定{B}每月支付抚养费。{S}，"
	 "{B}以收入减少为由停止支付，累计拖欠{M}元。{A}多次催要无果，请求{C}"
	 "调解，要求对方按约支付。",
	 6000, 36000},
	{"{P}{a}与儿媳{b}因家务琐事引发家庭矛盾",
	 "{D}，{P}{R}{A}与儿媳{B}因照看孙辈及家务分工问题多次发生口角，{B}一气之下带孩子回了娘家。"
	 "{A}的儿子在外务工无法回家处理，家中矛盾有激化迹象。{A}请求{C}上门做双方思想工作。",
	 0, 0},
};

static const struct tmpl t_wage[] = {
	{"{P}{K}名务工人员反映包工头{b}拖欠工资",
	 "{D}，{K}名务工人员到{P}{O}反映，其在包工头{B}承包的民房建设工地干活，工程已于上月完工，"
	 "但{B}至今拖欠工资共计{M}元。工人代表{A}"
	 "表示多次催讨无果，部分工人情绪激动。当事人请求尽快组织调解。",
	 80000, 400000},
	{"{P}{a}反映{b}经营的加工厂拖欠其工资",
	 "{P}{R}{A}反映，其在{B}经营的服装加工厂做工{N}个月，{B}"
	 "以订单减少、资金周转困难为由拖欠其工资{M}元。"
	 "{A}{D}上门讨要时双方发生争执。当事人持有考勤记录和工资条，请求调解。",
	 6000, 40000},
	{"{P}{a}务工受伤与雇主{b}发生赔偿纠纷",
	 "{D}，{P}{R}{A}在为{B}家装修房屋时从脚手架上摔下，造成腿部骨折，住院花去医疗费{M}元。"
	 "{B}已垫付部分费用，但不愿承担误工费和后续治疗费。双方未签订书面协议，{A}家属请求{C}"
	 "调解赔偿事宜。",
	 8000, 80000},
	{"{P}{a}等人与{b}因劳务费结算发生纠纷",
	 "{P}{R}{A}等{N}人受雇于{B}从事农田机收和运输，{D}完工后，双方对工时计算和单价产生分歧。"
	 "{B}只同意支付{m}元，与工人主张的{M}元差距较大。双方请求{C}组织协商解决。",
	 10000, 60000},
	{"{P}{a}被辞退未获补偿与{b}发生劳动争议",
	 "{P}{R}{A}在{B}经营的建材公司工作多年，{D}被口头辞退，公司未支付经济补偿，且尚有{N}"
	 "个月工资{M}元未结清。"
	 "{A}认为公司违法解除劳动关系，请求调解，调解不成将申请劳动仲裁。",
	 8000, 45000},
};

static const struct tmpl t_property[] = {
	{"{P}某小区业主{a}与物业公司因物业费发生纠纷",
	 "{D}，{P}某小区业主{A}反映，物业公司（负责人{B}）以其拖欠物业费{M}"
	 "元为由，停止为其办理门禁卡。"
	 "{A}"
	 "认为物业公司长期未履行保洁、维修义务，电梯多次故障无人处理，故拒交物业费。双方请求物调委"
	 "调解。",
	 1000, 6000},
	{"{P}某小区{F}栋顶层业主{a}因屋顶渗漏与物业发生纠纷",
	 "{P}某小区{F}栋顶层业主{A}反映，{D}"
	 "连续降雨后其住房顶棚大面积渗漏，墙面发霉、家具受损，损失约{M}元。"
	 "{A}多次报修，物业负责人{B}"
	 "称应动用专项维修资金，迟迟未处理。当事人请求物调委协调维修并调解赔偿。",
	 3000, 20000},
	{"{P}某小区业主{a}因公共绿地改停车位与物业发生争执",
	 "{D}，{P}某小区业主{A}反映，物业公司将小区公共绿地改建为停车位并按每月{N}00元出租，"
	 "{A}认为此举侵害全体业主权益。物业经理{B}称已征得部分业主同意。{A}等{K}"
	 "户业主联名请求调解。",
	 0, 0},
	{"{P}某小区业主{a}与{b}因楼上漏水发生纠纷",
	 "{P}某小区{F}栋业主{A}反映，楼上住户{B}家卫生间防水层损坏，{S}持续向其家中渗水，"
	 "造成吊顶脱落、木地板起拱，维修费用约{M}元。{B}"
	 "以房屋出租、租户不配合为由拖延。当事人请求物调委调解。",
	 2000, 15000},
	{"{P}某小区{F}栋电梯停运业主与物业公司发生纠纷",
	 "{D}，{P}某小区{F}栋电梯因故障停运已{N}周，楼内{K}户居民出行困难，其中不少是老人。"
	 "业主代表{A}反映，物业公司负责人{B}以维修费用{M}"
	 "元无人承担为由迟迟不修。业主请求物调委尽快协调维修。",
	 8000, 60000},
};

static const struct tmpl t_traffic[] = {
	{"{P}{a}与{b}因电动车与小轿车相撞发生赔偿纠纷",
	 "{D}，{P}{R}{A}傍晚骑电动车途经村口路段时，与{B}驾驶的小轿车发生碰撞，{A}"
	 "右腿受伤，住院花去医疗费{M}元。"
	 "交警部门认定{B}负主要责任。双方对误工费、护理费的赔偿数额分歧较大，请求交调委调解。",
	 8000, 60000},
	{"{P}{a}与{b}因农用车刮擦发生交通事故纠纷",
	 "{D}，{P}{R}{A}驾驶三轮农用车在乡道会车时，与{B}"
	 "驾驶的货车发生刮擦，造成农用车侧翻、车上化肥散落，"
	 "直接损失约{M}元。因事发路段无监控，双方对责任划分各执一词。当事人请求交调委组织调解。",
	 3000, 15000},
	{"{P}{a}与{b}就交通事故赔偿协议履行发生纠纷",
	 "{P}{R}{A}之子{N}个月前被{B}驾驶的面包车撞伤，双方当时达成协议，约定赔偿{M}元。"
	 "{B}已支付{m}元，剩余款项以保险未理赔为由拖延至今。{A}{D}到{O}"
	 "反映，请求督促对方履行协议。",
	 20000, 120000},
	{"{P}{a}与{b}因摩托车撞伤老人发生赔偿纠纷",
	 "{D}，{P}七十多岁的{R}{A}在路边行走时被{B}"
	 "驾驶的摩托车撞倒，造成骨折，目前仍在住院，已花费{M}元。"
	 "{B}家庭经济困难，仅支付了{m}元。{A}家属要求一次性赔偿全部费用，双方请求交调委调解。",
	 15000, 90000},
};

static const struct tmpl t_medical[] = {
	{"{P}{a}家属与医院因手术后并发症发生医疗纠纷",
	 "{P}{R}{A}{D}在市某医院接受胆囊切除手术，术后出现感染，再次住院治疗花去{M}元。"
	 "{A}家属认为医院存在过错，多次到医院交涉，有聚集苗头。院方代表{B}"
	 "表示愿意协商，双方同意申请医调委调解。",
	 20000, 150000},
	{"{P}{a}输液后身体不适与诊所经营者{b}发生纠纷",
	 "{D}，{P}{R}{A}因感冒到{B}"
	 "开办的个体诊所输液，输液后出现胸闷、呕吐症状，转至市人民医院治疗，花去医疗费{M}元。"
	 "{A}认为诊所用药不当，要求{B}承担全部费用；{B}称已按规程操作。双方请求医调委调解。",
	 3000, 30000},
	{"{P}{a}家属与医院就患者死亡赔偿发生纠纷",
	 "{D}，{P}{R}{A}因突发心梗送医抢救无效死亡。家属{B}"
	 "认为医院延误抢救，拒绝将遗体移出病房，十余名亲属在院内聚集。"
	 "属地综治中心已会同派出所到场稳控。家属索赔{M}元，同意申请医疗损害鉴定并由医调委调解。",
	 300000, 900000},
	{"{P}{a}因镶牙效果不佳与口腔诊所{b}发生纠纷",
	 "{P}{R}{A}{N}个月前在{B}经营的口腔诊所镶牙，花费{M}元，此后牙齿反复疼痛、咀嚼困难。"
	 "{A}要求退还费用并赔偿，{B}认为系个人使用不当所致。{D}"
	 "双方在诊所内发生争吵，请求医调委调解。",
	 3000, 20000},
};

static const struct tmpl t_school[] = {
	{"{P}家长{a}与{b}因学生课间受伤发生纠纷",
	 "{D}，{P}{R}{A}之子在学校课间活动时被同学（其家长为{B}）推倒，造成左臂骨折，花去医疗费{M}"
	 "元。"
	 "{A}要求对方家长和学校共同承担费用，{B}认为系学生之间玩耍意外。双方请求校调委调解。",
	 5000, 30000},
	{"{P}家长{a}与学校因学生体育课受伤发生纠纷",
	 "{P}{R}{A}的女儿在体育课跳远时扭伤脚踝，{D}经诊断为韧带撕裂，花去医疗费{M}元。"
	 "{A}认为学校未做好安全防护，要求学校赔偿；校方代表{B}"
	 "表示已购买校方责任险，愿意协商。双方同意由校调委调解。",
	 3000, 20000},
	{"{P}家长{a}与培训机构负责人{b}因退费发生纠纷",
	 "{D}，{P}{R}{A}反映，其为孩子在{B}开办的培训机构报名一年课程，预交费用{M}元，上课{N}"
	 "次后机构停课，"
	 "{B}拒绝退还剩余费用。与{A}情况相同的还有{T}"
	 "余名家长。当事人请求调解，要求按实际课时退费。",
	 3000, 12000},
	{"{P}家长{a}反映孩子在校遭欺凌与{b}发生矛盾",
	 "{P}{R}{A}反映，其儿子在学校多次被同班同学索要零花钱并殴打，{D}又被打伤面部。{A}"
	 "到对方家长{B}家中理论，双方发生争吵。"
	 "{A}要求对方赔礼道歉、赔偿医药费{M}元，当事人请求校调委介入调解。",
	 500, 5000},
};

static const struct tmpl t_debt[] = {
	{"{P}{a}与{b}因民间借贷发生债务纠纷",
	 "{P}{R}{A}反映，{B}于{N}年前以做生意为由向其借款{M}元，约定一年内归还并出具了借条。"
	 "期限届满后{B}仅归还{m}元，余款一拖再拖。{A}{D}上门催讨时双方发生争执，请求{C}调解。",
	 20000, 300000},
	{"{P}{a}与{b}因建房材料款结算发生纠纷",
	 "{D}，{P}{R}{A}反映，{B}去年建房时在其建材店赊购水泥、钢筋等材料，货款共计{M}"
	 "元，至今未付清。"
	 "{B}称部分材料质量有问题，只同意支付{m}元。双方对账目存在分歧，请求{C}组织对账调解。",
	 15000, 120000},
	{"{P}{a}与{b}因合伙养殖分账发生纠纷",
	 "{P}{R}{A}与{B}合伙承包鱼塘养殖，{D}清塘结算时，双方对几年来的投入和收益账目争执不下，{A}"
	 "称对方尚欠其分成{M}元。"
	 "{A}扬言要放干鱼塘，网格员已做稳控工作。当事人请求调解。",
	 20000, 200000},
	{"{P}{a}因为{b}担保借款被追偿发生纠纷",
	 "{P}{R}{A}反映，其{N}年前为{B}向他人借款{M}元提供担保，{B}到期未还，出借人{D}向{A}追讨。"
	 "{A}认为{B}有偿还能力却故意躲避，要求{B}自行偿还。当事人请求{C}出面协调，避免矛盾激化。",
	 30000, 300000},
};

static const struct tmpl t_fire[] = {
	{"{P}{b}经营的副食店存在“三合一”消防隐患",
	 "{D}，网格员{A}在{P}开展消防安全排查时发现，{B}"
	 "经营的副食店集经营、仓储、住宿于一体，店内堆放大量纸箱，且未配备灭火器。"
	 "网格员当场告知隐患，要求{B}{W}日内将住人区域与经营区域分隔，并配齐消防器材。",
	 0, 0},
	{"{P}{F}栋楼道电动车违规充电存在火灾隐患",
	 "{D}，{P}网格员{A}巡查时发现，{F}栋一楼楼道内停放电动车{N}"
	 "辆，并私拉电线“飞线”充电，堵塞疏散通道。"
	 "经查，部分车辆为住户{B}等人所有。网格员已现场劝导清理，并报请{O}在附近增设集中充电桩。",
	 0, 0},
	{"{P}田间焚烧秸秆垃圾存在火灾隐患",
	 "{D}，网格员{A}巡查至{P}田间时发现，{R}{B}"
	 "在林地边焚烧秸秆和生活垃圾，现场风力较大，火势有蔓延风险。"
	 "网格员当即协助扑灭明火，对{B}进行了禁烧宣传教育，并将情况上报属地环保和应急部门。",
	 0, 0},
	{"{P}{b}开办的木材加工作坊存在消防隐患",
	 "{P}网格员{A}{D}入户走访时发现，{B}"
	 "开办的木材加工作坊内木屑堆积，电线老化裸露，消防通道被成品家具堵塞，"
	 "灭火器均已过期。网格员已拍照取证，要求{B}{W}日内整改到位，并提请应急管理部门复查。",
	 0, 0},
	{"{P}{b}出租屋群租存在消防安全隐患",
	 "{D}，网格员{A}在{P}走访时发现，房东{B}将一栋四层民房隔成{K}"
	 "个单间出租，楼内仅有一部楼梯，窗户装有防盗网且无逃生出口。"
	 "网格员已告知{B}限期整改，并将情况报送消防救援部门。",
	 0, 0},
};

static const struct tmpl t_road[] = {
	{"{P}临河路段护栏缺失存在交通安全隐患",
	 "{D}，网格员{A}巡查发现，{P}临河路段约{K}"
	 "米护栏缺失，路面狭窄且有急弯，夜间无路灯照明，此前已发生{N}起车辆侧滑事故。"
	 "网格员已设置临时警示标志，建议交通运输部门尽快增设护栏和警示灯。",
	 0, 0},
	{"{P}通村公路路面塌陷存在安全隐患",
	 "{D}，{P}{R}{B}向网格员{A}反映，通村公路有一处路面塌陷，坑深约{L}"
	 "0厘米，过往车辆避让时险些发生事故。"
	 "网格员到场核实后设置了警示锥桶，并报{O}和交通部门，请求尽快修复。",
	 0, 0},
	{"{P}路口视线遮挡存在交通安全隐患",
	 "{P}网格员{A}{D}"
	 "巡查时发现，村道与省道交叉路口两侧的树木和广告牌遮挡视线，车辆驶出时难以看清来车，附近群"
	 "众反映近期已发生多起险情。"
	 "网格员建议公路部门修剪树木、增设凸面镜和让行标志，广告牌所有人{B}已同意拆除。",
	 0, 0},
	{"{P}{b}在路边堆放砂石占道存在安全隐患",
	 "{D}，网格员{A}巡查发现，{P}{R}{B}因建房在主干道一侧堆放砂石约{K}"
	 "立方米，占用半幅车道，夜间无任何警示标志。"
	 "网格员已要求{B}当日设置警示灯并于{W}日内清理，逾期未整改将报请交通执法部门处理。",
	 0, 0},
};

static const struct tmpl t_building[] = {
	{"{P}{b}家老旧土坯房存在倒塌风险",
	 "{D}，网格员{A}入户排查发现，{P}{R}{B}"
	 "居住的土坯房建于上世纪七十年代，墙体多处开裂，屋顶椽子腐朽，遇连续降雨有倒塌风险。"
	 "{B}年过七旬独居，网格员已动员其暂住亲戚家，并上报申请危房改造。",
	 0, 0},
	{"{P}{b}自建房违规加层存在安全隐患",
	 "{P}网格员{A}{D}巡查发现，{R}{B}"
	 "在原有三层自建房上私自加盖一层用于出租，未经审批和结构安全鉴定。"
	 "网格员已告知{B}停止施工，并将情况报送住建和城管部门开展安全鉴定。",
	 0, 0},
	{"{P}{F}栋居民楼外墙瓷砖脱落存在安全隐患",
	 "{D}，{P}{R}{B}向网格员{A}反映，{F}"
	 "栋居民楼外墙瓷砖多处空鼓，已有瓷砖从高处坠落，险些砸中行人。"
	 "网格员到场后拉设警戒线，并通知物业和{O}尽快组织排危检修。",
	 0, 0},
	{"{P}废弃厂房无人看管存在坍塌隐患",
	 "{P}网格员{A}{D}"
	 "巡查时发现，原砖瓦厂废弃厂房屋顶已部分坍塌，围墙破损，常有儿童进入玩耍。经查，厂房产权人"
	 "为{B}。"
	 "网格员已在入口处设置警示牌，要求产权人{W}日内封闭出入口或拆除危险部分。",
	 0, 0},
};

static const struct tmpl t_flood[] = {
	{"{P}堤段发现管涌险情",
	 "{D}，护堤巡查员{A}在{P}堤段巡查时发现，堤脚外约{K}米处出现碗口大小的管涌，并有浑水冒出。"
	 "{A}立即上报属地防汛办，现场已组织人员用砂袋围井反滤，{O}已安排{B}等人24小时值守。",
	 0, 0},
	{"{P}排涝泵站设备老化存在防汛隐患",
	 "{D}，网格员{A}会同泵站管理员{B}对{P}排涝泵站进行汛前检查，发现{N}"
	 "台机组中有一台电机受潮无法启动，进水口拦污栅被杂草堵塞。"
	 "网格员已上报水利部门，要求{W}日内完成检修并清理进水口。",
	 0, 0},
	{"{P}低洼地带住户存在内涝隐患",
	 "{P}网格员{A}{D}排查发现，辖区低洼地带有{K}"
	 "户居民房屋地势低于路面，排水沟渠长期淤塞，强降雨时极易进水。"
	 "受影响户中包括独居老人{B}等，网格员建议{O}提前疏通沟渠并制定转移安置预案。",
	 0, 0},
	{"{P}排水渠被建筑垃圾堵塞影响汛期排水",
	 "{D}，{P}群众向网格员{A}反映，主排水渠被倾倒的建筑垃圾堵塞约{K}"
	 "米，水流不畅。经查，建筑垃圾系{B}装修房屋时倾倒。"
	 "网格员已责令{B}{W}日内清运，并报{O}组织清淤，确保汛期排水畅通。",
	 0, 0},
};

static const struct tmpl t_gas[] = {
	{"{P}{b}经营的餐馆燃气管道老化存在隐患",
	 "{D}，网格员{A}会同燃气公司对{P}沿街餐饮店开展燃气安全检查，发现{B}"
	 "经营的餐馆燃气软管老化龟裂，且未安装燃气泄漏报警装置。"
	 "检查人员已责令其停用并更换管道，{W}日内完成整改。",
	 0, 0},
	{"{P}{b}家中液化气钢瓶超期未检",
	 "{P}网格员{A}{D}入户走访时发现，{R}{B}"
	 "家中使用的液化气钢瓶已超过检验期限，瓶阀有轻微漏气，且钢瓶放置在卧室内。"
	 "网格员已协助关闭瓶阀、开窗通风，要求{B}将钢瓶送至正规充装站检验更换。",
	 0, 0},
	{"{P}道路施工挖破燃气管道存在泄漏隐患",
	 "{D}，{P}一处道路施工现场挖掘机作业时挖破燃气管道，造成燃气泄漏。网格员{A}"
	 "接报后立即疏散周边{T}余名群众，并通知燃气公司抢修。"
	 "经查，施工方负责人{B}未按规定查询地下管线，相关情况已移交住建部门。",
	 0, 0},
	{"{P}菜市场周边小吃摊违规使用液化气",
	 "{D}，网格员{A}巡查发现，{P}菜市场附近多家流动小吃摊违规使用液化气钢瓶，其中{B}"
	 "的摊位钢瓶距离灶具不足半米，且无防倾倒措施。"
	 "网格员已当场劝导，并将情况报告市场监管部门联合整治。",
	 0, 0},
};

static const struct tmpl t_campus[] = {
	{"{P}学校门口缺少减速带和斑马线",
	 "{D}，{P}网格员{A}"
	 "在护学岗值守时发现，学校大门直接面对主干道，门前无减速带、斑马线和警示标志，上下学时段学"
	 "生横穿马路险情频发。"
	 "家长代表{B}也多次反映。网格员已上报交警和教育部门，建议增设交通安全设施。",
	 0, 0},
	{"{P}学校周边流动摊贩售卖“三无”食品",
	 "{P}网格员{A}{D}巡查发现，学校周边有{N}"
	 "个流动摊贩在放学时段售卖“三无”辣条和散装饮料，存在食品安全隐患。"
	 "其中摊贩{B}屡劝不改。网格员已联系市场监管所开展联合整治。",
	 0, 0},
	{"{P}学校附近网吧违规接纳未成年人",
	 "{D}，网格员{A}在{P}学校周边排查时发现，距学校不足两百米的一家网吧（经营者{B}"
	 "）在上课时段接纳{N}名未成年学生上网。"
	 "网格员已通知学校和家长，并将线索移交文化市场执法部门处理。",
	 0, 0},
	{"{P}幼儿园临街围栏破损存在安全隐患",
	 "{D}，{P}网格员{A}巡查发现，辖区一所民办幼儿园临街一侧围栏多处锈蚀断裂，最大缺口宽约{L}"
	 "0厘米，幼儿可钻出至马路上。"
	 "园长{B}表示将尽快维修，网格员要求园方{W}日内完成修复，期间安排专人看护。",
	 0, 0},
};

static const struct tmpl t_livelihood[] = {
	{"{P}{a}申请低保遇到困难寻求帮助",
	 "{D}，{P}{R}{A}到{O}"
	 "反映，其老伴瘫痪在床，子女在外务工收入微薄，家庭生活困难，此前申请低保未获批准。"
	 "{A}希望了解低保申请条件并重新申请。网格员已入户核实情况，将协助其准备材料。",
	 0, 0},
	{"{P}{a}等{K}户群众反映自来水经常停水",
	 "{P}{R}{A}等{K}户群众反映，{S}"
	 "所在片区自来水频繁停水且水压不足，高楼层住户基本无法用水，影响日常生活。"
	 "群众希望供水公司查明原因，尽快恢复正常供水。",
	 0, 0},
	{"{P}{a}咨询城乡居民养老保险补缴事宜",
	 "{D}，{P}{R}{A}（{E}岁）到便民服务窗口咨询，称其年轻时外出务工，城乡居民养老保险断缴{N}"
	 "年，希望了解能否补缴及补缴后的待遇。"
	 "工作人员{B}已作初步解答，并约定协助其办理补缴手续。",
	 0, 0},
	{"{P}{a}反映邻居独居老人{b}无人照料",
	 "{P}{R}{A}反映，其邻居{B}今年八十多岁，子女均在外地，{D}摔倒后行动不便，生活无人照料。"
	 "{A}希望{O}帮助联系其子女，并为老人申请居家养老服务。网格员已上门探望。",
	 0, 0},
};

static const struct tmpl t_environment[] = {
	{"{P}{a}等群众反映{b}的养猪场异味扰民",
	 "{D}，{P}{R}{A}等{T}余户群众反映，{B}"
	 "经营的生猪养殖场距离居民区不足两百米，粪污直排沟渠，气味刺鼻，夏季蚊蝇滋生。"
	 "群众多次与养殖户沟通无果，要求生态环境部门督促其建设粪污处理设施或搬迁。",
	 0, 0},
	{"{P}{a}反映附近工厂夜间排放刺鼻废气",
	 "{P}{R}{A}反映，附近一家化工厂{S}"
	 "常在夜间排放废气，气味刺鼻，周边群众出现咳嗽、头晕等症状。"
	 "{A}希望生态环境部门夜间突击检查，依法查处偷排行为。",
	 0, 0},
	{"{P}{a}反映垃圾收集点清运不及时",
	 "{D}，{P}{R}{A}通过12345热线反映，所在片区垃圾收集点已{N}"
	 "天未清运，垃圾满溢、污水横流，天气炎热后异味严重。"
	 "{A}希望环卫部门及时清运，并增设垃圾桶。",
	 0, 0},
	{"{P}{a}举报附近河道有人非法采砂",
	 "{D}，{P}{R}{A}"
	 "举报，附近河道夜间常有采砂船作业，河岸已出现坍塌，危及堤防和农田安全，据群众反映船主为{B}"
	 "。"
	 "{A}希望水利和公安部门联合打击非法采砂行为。",
	 0, 0},
	{"{P}{a}反映广场舞音响噪音扰民",
	 "{P}{R}{A}"
	 "反映，每天晚上七点至十点，附近广场跳舞人员使用大功率音响，噪音很大，影响孩子学习和老人休"
	 "息。"
	 "{A}{D}曾与组织者{B}沟通，对方未予理会，希望{O}协调规定活动时间并控制音量。",
	 0, 0},
};

static const struct tmpl t_business[] = {
	{"{P}{a}反映办理农家乐证照材料反复退回",
	 "{D}，{P}{R}{A}反映，其准备开办一家农家乐，办理营业执照和食品经营许可证时材料先后被退回{N}"
	 "次，每次只告知部分问题，耽误了开业时间。"
	 "{A}希望相关部门一次性告知所需材料，提高办事效率。",
	 0, 0},
	{"{P}{a}反映维修工程款被拖欠影响经营",
	 "{P}个体建筑企业负责人{A}反映，其{N}年前承接的某单位办公楼维修工程早已验收，但尚有工程款{"
	 "M}元未支付，对方经办人{B}以资金未到位为由一再推迟。"
	 "企业资金周转困难，{A}希望相关部门协调清欠。",
	 50000, 600000},
	{"{P}商户{a}等反映门前道路施工停滞影响经营",
	 "{D}，{P}商户{A}等{K}户经营户反映，门前道路改造工程已停工{N}"
	 "个月，路面开挖后无人处理，顾客无法进店，营业额大幅下降。"
	 "商户希望施工单位尽快复工，并在施工期间设置临时通道。",
	 0, 0},
	{"{P}{a}咨询返乡创业扶持政策",
	 "{P}{R}{A}{D}从外地返乡，打算流转{K}"
	 "亩土地发展特色种植，希望了解返乡创业贷款贴息、技能培训等扶持政策。"
	 "工作人员{B}已向其介绍相关政策，并推荐其到人社部门创业服务窗口申请创业担保贷款。",
	 0, 0},
};

static const struct tmpl t_legal_aid[] = {
	{"{P}{a}因工伤赔偿申请法律援助",
	 "{D}，{P}{R}{A}"
	 "到公共法律服务工作站求助，称其在外省工地务工时受伤致残，用工单位拒绝赔偿，涉及金额约{M}"
	 "元。"
	 "{A}家庭经济困难，无力聘请律师。法务员{B}已为其提供法律咨询，并指导其申请法律援助。",
	 50000, 400000},
	{"{P}{a}咨询农村土地承包经营权继承问题",
	 "{P}{R}{A}反映，其父亲去世后，亲属{B}以“承包地只能由本组成员耕种”为由收回了其家承包地。"
	 "{A}{D}到法律顾问处咨询维权途径，法务员已作解答，并建议先由{C}调解。",
	 0, 0},
	{"{P}{a}等{N}名农民工申请法律援助追讨欠薪",
	 "{D}，{P}{R}{A}等{N}名农民工到公共法律服务窗口求助，称在{B}承包的工地务工被拖欠工资{M}"
	 "元，多次讨要无果。"
	 "工作人员已受理其法律援助申请，指派律师代为申请劳动仲裁。",
	 30000, 200000},
	{"{P}{a}咨询离婚财产分割及子女抚养问题",
	 "{P}{R}{A}{D}到公共法律服务工作站咨询，称其与配偶{B}"
	 "感情破裂，准备起诉离婚，想了解婚后共同建造房屋的分割方式及子女抚养权的判定标准。"
	 "法务员已详细解答，并告知其可先申请人民调解。",
	 0, 0},
};

static const struct tmpl t_infrastructure[] = {
	{"{P}{a}反映路灯损坏夜间出行不便",
	 "{D}，{P}{R}{A}反映，所在主干道有{N}"
	 "盏路灯已损坏一个多月，夜间道路漆黑，老人和学生出行存在安全隐患。"
	 "{A}希望有关部门尽快维修，网格员已现场核实并拍照上报。",
	 0, 0},
	{"{P}{a}等群众反映通组公路破损严重",
	 "{P}{R}{A}等{K}"
	 "户群众反映，通往村组的水泥路修建已有十多年，路面多处开裂、坑洼，雨天积水严重，农产品外运"
	 "困难。"
	 "群众希望将该路段纳入今年道路提档升级计划，{O}已将诉求汇总上报。",
	 0, 0},
	{"{P}{a}反映灌溉支渠年久失修",
	 "{D}，{P}{R}{A}反映，灌溉支渠多处垮塌、渗漏，下游约{K}亩农田无法正常灌溉，春播受到影响。"
	 "{A}希望水利部门安排资金维修渠道，网格员已会同{O}实地查看。",
	 0, 0},
	{"{P}小区业主{a}反映缺少电动车集中充电设施",
	 "{P}某小区业主{A}"
	 "反映，小区内电动车较多但未设置集中充电设施，不少居民只能从楼上“飞线”充电，存在安全隐患。"
	 "{A}希望{O}协调物业和供电部门建设集中充电桩，物业负责人{B}表示愿意配合。",
	 0, 0},
};

static const struct tmpl t_public_order[] = {
	{"{P}{a}反映有人在出租屋内聚众赌博",
	 "{D}，{P}{R}{A}"
	 "反映，附近一处出租屋内经常有人聚集打牌赌博，夜间人员进出频繁、吵闹，影响周边居民休息。"
	 "{A}希望公安机关依法查处，网格员已将线索转交辖区派出所。",
	 0, 0},
	{"{P}{a}反映家中被盗",
	 "{P}{R}{A}{D}外出干农活回家后发现家门被撬，放在衣柜内的现金{M}元及金首饰被盗。{A}"
	 "已报警，派出所民警到现场勘查。"
	 "{A}希望尽快破案，并建议在主要路口加装监控。",
	 1000, 20000},
	{"{P}{a}反映有人推销保健品骗取老人钱财",
	 "{D}，{P}{R}{A}"
	 "反映，有外地人员以“免费体检”“送鸡蛋”为名举办讲座，诱导老人高价购买保健品，其母亲已花费{M}"
	 "元。"
	 "{A}怀疑对方涉嫌诈骗，希望公安和市场监管部门调查处理。",
	 2000, 30000},
	{"{P}{a}反映{b}经常酒后滋事扰民",
	 "{P}{R}{A}反映，{B}经常酒后大声叫骂、砸东西，{D}又持木棍追打他人，周边群众十分害怕。"
	 "{A}希望派出所和{O}加强管控，必要时对其进行教育训诫。",
	 0, 0},
};

static const struct tmpl t_generic_dispute[] = {
	{"{P}{a}与{b}发生矛盾纠纷",
	 "{D}，{P}{R}{A}与{B}"
	 "因琐事发生矛盾，双方多次协商未果。网格员已上门了解情况并做好记录。当事人请求{C}"
	 "组织调解。",
	 0, 0},
};
static const struct tmpl t_generic_hazard[] = {
	{"{P}发现安全隐患待整改",
	 "{D}，网格员{A}在{P}巡查时发现一处安全隐患，责任人为{B}"
	 "。网格员已现场拍照取证并告知责任人，要求{W}日内整改，整改情况将跟踪复查。",
	 0, 0},
};
static const struct tmpl t_generic_request[] = {
	{"{P}{a}反映群众诉求",
	 "{D}，{P}{R}{A}到{O}"
	 "反映相关诉求，希望有关部门协调解决。工作人员已登记诉求内容，将按程序转交责任单位办理并及"
	 "时反馈。",
	 0, 0},
};
static const struct tmpl t_generic[] = {
	{"{P}{a}反映有关情况",
	 "{D}，{P}{R}{A}反映有关情况，涉及{B}"
	 "。工作人员已登记受理，将核实后按程序分流办理，并及时向当事人反馈办理结果。",
	 0, 0},
};

#define CAT(type, code)                                \
	{                                              \
		type, #code, t_##code, NELEM(t_##code) \
	}
static const struct cat {
	const char *type, *code;
	const struct tmpl *t;
	size_t n;
} cats[] = {
	CAT("dispute", neighbour),    CAT("dispute", land),
	CAT("dispute", family),       CAT("dispute", wage),
	CAT("dispute", property),     CAT("dispute", traffic),
	CAT("dispute", medical),      CAT("dispute", school),
	CAT("dispute", debt),         CAT("hazard", fire),
	CAT("hazard", road),          CAT("hazard", building),
	CAT("hazard", flood),         CAT("hazard", gas),
	CAT("hazard", campus),        CAT("request", livelihood),
	CAT("request", environment),  CAT("request", business),
	CAT("request", legal_aid),    CAT("request", infrastructure),
	CAT("request", public_order),
};

static const struct cat generic_by_type[] = {
	{"dispute", NULL, t_generic_dispute, NELEM(t_generic_dispute)},
	{"hazard", NULL, t_generic_hazard, NELEM(t_generic_hazard)},
	{"request", NULL, t_generic_request, NELEM(t_generic_request)},
};
static const struct cat generic_any = {NULL, NULL, t_generic, NELEM(t_generic)};

static const struct cat *find_cat(const char *type, const char *category)
{
	if (!type)
		return &generic_any;
	if (category)
		for (size_t i = 0; i < NELEM(cats); i++)
			if (strcmp(cats[i].type, type) == 0 && strcmp(cats[i].code, category) == 0)
				return &cats[i];
	for (size_t i = 0; i < NELEM(generic_by_type); i++)
		if (strcmp(generic_by_type[i].type, type) == 0)
			return &generic_by_type[i];
	return &generic_any;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static size_t utf8_len1(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	for (size_t i = 1; i < n; i++)
		if (!s[i])
			return i;
	return n;
}

/* The masked form used in titles: surname + 某, and 某某 for the second party when the two
 * share a surname, so "王某与王某" does not read as one person. */
static const char *masked(struct pa_arena *a, const char *name, const char *other)
{
	size_t n = utf8_len1(name);
	const char *tail =
		other && strncmp(name, other, n) == 0 && utf8_len1(other) == n ? "某某" : "某";
	return pa_sprintf(a, "%.*s%s", (int)n, name, tail);
}

struct vars {
	const char *v[128];
};

/* Expands tpl into out (if non-NULL) and returns the length, so the caller can size the
 * arena allocation exactly with a first pass. */
static size_t expand_into(char *out, const char *tpl, const struct vars *vs)
{
	size_t n = 0;
	for (const char *p = tpl; *p;) {
		unsigned char c = (unsigned char)p[1];
		if (p[0] == '{' && c < 128 && c && p[2] == '}' && vs->v[c]) {
			size_t l = strlen(vs->v[c]);
			if (out)
				memcpy(out + n, vs->v[c], l);
			n += l;
			p += 3;
		} else {
			if (out)
				out[n] = *p;
			n++;
			p++;
		}
	}
	return n;
}

static char *expand(struct pa_arena *a, const char *tpl, const struct vars *vs)
{
	size_t n = expand_into(NULL, tpl, vs);
	char *s = pa_alloc(a, n + 1);
	expand_into(s, tpl, vs);
	s[n] = 0;
	return s;
}

#define TITLE_MAX 60

/* Titles are stored in a column the UI shows on one line; a long caller-given place could
 * push a title past the limit, so it is cut on a character boundary with an ellipsis. */
static const char *clip_title(struct pa_arena *a, const char *s)
{
	size_t chars = 0, cut = 0;
	for (const char *p = s; *p; p += utf8_len1(p)) {
		if (chars == TITLE_MAX - 1)
			cut = (size_t)(p - s);
		chars++;
	}
	if (chars <= TITLE_MAX)
		return s;
	return pa_sprintf(a, "%.*s…", (int)cut, s);
}

static uint32_t draw_amount(struct pa_rng *r, uint32_t lo, uint32_t hi)
{
	/* Round figures, as people state them: the coarser the larger. */
	uint32_t step = hi >= 100000 ? 1000 : hi >= 10000 ? 100 : 10;
	lo = (lo + step - 1) / step;
	hi /= step;
	if (hi < lo)
		hi = lo;
	return (lo + pa_rng_below(r, hi - lo + 1)) * step;
}

static const char *when_phrase(struct pa_arena *a, struct pa_rng *r)
{
	static const char *const v[] = {"近日", "上周",   "本月初", "前几天",
					"昨日", "上周末", "本周一", "上月底"};
	uint32_t k = pa_rng_below(r, NELEM(v) + 4);
	uint32_t month = 1 + pa_rng_below(r, 12), day = 1 + pa_rng_below(r, 28);
	if (k < NELEM(v))
		return v[k];
	return pa_sprintf(a, "%u月%u日", month, day);
}

void pa_demo_case_text(struct pa_arena *a, struct pa_rng *r, const char *type, const char *category,
		       const char *place, const char *party1, const char *party2,
		       struct pa_demo_case_text *out)
{
	static const char *const since[] = {"今年以来", "近一个月来", "近段时间以来",
					    "入夏以来", "上个月以来", "去年底以来"};
	static const uint32_t rectify_days[] = {3, 5, 7, 10, 15};
	const struct cat *c = find_cat(type, category);
	const struct tmpl *t = &c->t[pa_rng_below(r, (uint32_t)c->n)];

	if (!place || !*place)
		place = "辖区";
	/* Missing parties are invented rather than left blank, so the text still reads. */
	if (!party1 || !*party1)
		party1 = pa_demo_person_name(a, r);
	if (!party2 || !*party2)
		party2 = pa_demo_person_name(a, r);

	struct vars vs = {{0}};
	vs.v['P'] = place;
	vs.v['A'] = party1;
	vs.v['B'] = party2;
	vs.v['a'] = masked(a, party1, NULL);
	vs.v['b'] = masked(a, party2, party1);
	if (ends_with(place, "社区")) {
		vs.v['R'] = "居民";
		vs.v['O'] = "居委会";
		vs.v['C'] = "社区调委会";
	} else if (ends_with(place, "村")) {
		vs.v['R'] = "村民";
		vs.v['O'] = "村委会";
		vs.v['C'] = "村调委会";
	} else {
		vs.v['R'] = "群众";
		vs.v['O'] = "村（居）委会";
		vs.v['C'] = "调委会";
	}

	/* Every value is drawn whether the template uses it or not, so the number of draws —
	 * and thus everything generated after this call — does not depend on the template. */
	uint32_t lo = t->mmax ? t->mmin : 1000, hi = t->mmax ? t->mmax : 20000;
	uint32_t m = draw_amount(r, lo, hi);
	uint32_t part = (uint32_t)((uint64_t)m * (30 + pa_rng_below(r, 41)) / 100);
	uint32_t step = m >= 100000 ? 1000 : 100;
	part = part / step * step;
	if (part == 0)
		part = m / 2;
	vs.v['M'] = pa_sprintf(a, "%u", m);
	vs.v['m'] = pa_sprintf(a, "%u", part);
	vs.v['N'] = pa_sprintf(a, "%u", 2 + pa_rng_below(r, 8));
	vs.v['K'] = pa_sprintf(a, "%u", 10 + pa_rng_below(r, 51));
	vs.v['T'] = pa_sprintf(a, "%u", 10 * (1 + pa_rng_below(r, 6)));
	vs.v['L'] = pa_sprintf(a, "%u", 1 + pa_rng_below(r, 9));
	vs.v['F'] = pa_sprintf(a, "%u", 1 + pa_rng_below(r, 28));
	vs.v['E'] = pa_sprintf(a, "%u", 45 + pa_rng_below(r, 31));
	vs.v['W'] = pa_sprintf(a, "%u", rectify_days[pa_rng_below(r, NELEM(rectify_days))]);
	vs.v['D'] = when_phrase(a, r);
	vs.v['S'] = PICK(r, since);

	out->title = clip_title(a, expand(a, t->title, &vs));
	out->description = expand(a, t->desc, &vs);
}
