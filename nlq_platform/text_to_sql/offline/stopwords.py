"""Words that carry no condition: function words, requests and politeness, in both languages.

A question is understood only when every content word is claimed by a recogniser; these are
claimed by this list. What may change an answer is never here: negations ("not", "없", "빼고"),
comparisons ("more", "before", "이상") and quantities belong to recognisers, so that a question
using them is refused unless the grammar really handles them.
"""

from __future__ import annotations

#: kiwipiepy tags of morphemes that are grammar, not content: particles, endings, affixes, the
#: copula, auxiliaries, bound nouns, determiners, pronouns, conjunctive adverbs, interjections,
#: punctuation
KOREAN_FUNCTION_TAGS = frozenset(
    {"JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ", "JX", "JC", "EP", "EF", "EC", "ETN", "ETM",
     "XPN", "XSN", "XSV", "XSA", "XSM", "VCP", "VCN", "VX", "NNB", "NP", "MM", "MAJ", "IC",
     "SF", "SP", "SS", "SSO", "SSC", "SE", "SO", "SW", "SB", "UN", "W_EMOJI", "W_URL", "W_EMAIL",
     "W_MENTION", "W_HASHTAG", "W_SERIAL", "Z_CODA", "Z_SIOT", "USER0", "USER1"}
)  # fmt: skip

#: Korean stems of asking, showing and politeness ("보여줘", "알려 주세요", "궁금해요", "좀")
KOREAN_STOP_STEMS = frozenset(
    {"보", "보이", "보여주", "알", "알리", "알려주", "주", "하", "되", "싶", "궁금", "궁금하", "뽑", "정리",
     "확인", "찾", "나오", "부탁", "부탁드리", "드리", "좀", "혹시", "그냥", "지금", "같이", "함께", "한번",
     "한", "번", "말", "해주", "구하", "계산", "나열", "출력", "조회", "집계", "분석", "파악", "필요",
     "원하", "요약", "정도", "대충", "대략", "빨리", "얼른", "바로", "잠깐", "다시", "그리고", "그럼",
     "그러면", "근데", "그래서", "또", "또한", "및", "혹은", "또는", "뭐", "무엇", "뭔지", "어떻",
     "어떠", "어떤지", "얼마", "얼마나", "있", "계시", "감사", "감사하", "고맙", "안녕", "요", "네", "예",
     "데이터", "결과", "내용", "정보", "표", "숫자", "값", "현황", "상황", "기준", "대상", "경우",
     "각각", "전체", "모든", "모두", "전부", "다", "쭉", "한눈", "싹", "수치", "통계", "리포트", "보고",
     "자료", "궁금증", "질문", "답", "관련", "대하", "대해", "통하", "위하", "따르", "기반", "포함",
     "부분", "쪽", "측", "상", "중", "내", "간", "동안", "때", "이번", "뭐가", "알아보",
     "살펴보", "체크", "점검", "추출", "만들", "그리", "그려주", "나타나", "생기", "발생", "일어나",
     "나", "난", "찍히", "찍", "남", "남기", "쌓이", "들어오", "오", "가", "들", "있었", "했", "됐",
     "봐", "줘", "건의", "개", "건", "보인", "볼", "쓰", "썼", "같", "골", "골라", "법", "곳", "그러", "주세요", "해", "해줘", "해봐", "알아", "봐줘", "얘기", "말해", "누구",
     "어때", "괜찮", "먼저", "우선", "일단", "것", "거", "건가", "걸", "게"}
)  # fmt: skip

#: English function words, requests and politeness
ENGLISH_STOP = frozenset(
    ["a", "an", "the", "this", "that", "these", "those", "it", "its", "it's", "they", "them", "their", "there", "here", "we", "our", "us", "you", "your", "i", "me", "my", "mine", "he", "she", "his", "her", "of", "in", "on", "at", "to", "for", "from", "with", "into", "onto", "about", "as", "by", "via", "per", "across", "during", "through", "throughout", "and", "or", "but", "also", "too", "so", "then", "as", "well", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "doing", "done", "have", "has", "had", "having", "will", "would", "shall", "should", "can", "could", "may", "might", "must", "let", "let's", "please", "pls", "plz", "thanks", "thank", "kindly", "just", "quick", "quickly", "real", "really", "actually", "exactly", "basically", "simply", "only", "even", "still", "already", "yet", "now", "currently", "right", "ok", "okay", "hey", "hi", "hello", "show", "give", "list", "tell", "get", "got", "find", "pull", "fetch", "display", "see", "look", "check", "know", "need", "want", "like", "wanna", "gimme", "lemme", "help", "bring", "return", "report", "summarize", "summarise", "compute", "calculate", "produce", "print", "make", "provide", "share", "send", "put", "run", "query", "pull", "up", "figure", "out", "break", "down", "broken", "what", "which", "who", "whom", "whose", "where", "how", "whatever", "whichever", "any", "some", "each", "every", "all", "one", "ones", "thing", "things", "stuff", "something", "anything", "everything", "lot", "lots", "bit", "kind", "sort", "way", "much", "many", "sure", "happen", "happened", "happening", "occur", "occurred", "occurring", "occurrence", "occurrences", "logged", "log", "logs", "record", "recorded", "recording", "records", "entry", "entries", "line", "lines", "row", "rows", "event", "data", "information", "info", "value", "values", "figure", "figures", "stat", "stats", "statistic", "statistics", "result", "results", "overview", "summary", "view", "table", "list", "me", "along", "together", "including", "include", "included", "includes", "according", "based", "respectively", "per-group", "etc", "e.g", "i.e", "maybe", "perhaps", "roughly", "approximately", "about", "around", "separately", "individually", "broken-down", "respectively", "came", "come", "comes", "coming", "went", "go", "goes", "going", "seen", "see", "saw", "been", "get", "gets", "getting", "got", "show", "shows", "showing", "shown", "look", "looking", "give", "giving", "given", "want", "wanting", "wanted", "need", "needed", "needs", "s", "t"]
)


def is_stop_english(lemma: str) -> bool:
    return lemma.lower() in ENGLISH_STOP


def is_stop_korean(form: str, tag: str) -> bool:
    return tag in KOREAN_FUNCTION_TAGS or form in KOREAN_STOP_STEMS
