"""Question analysis and answer types: pure functions, no model."""

import pytest

from chat_app.engine.answer_types import fits, gives_figure_for, has_figure, has_year
from chat_app.engine.meta_answer import asks_about_document
from chat_app.engine.question import QuestionType, analyse, proper_names


@pytest.mark.parametrize("question, kind", [
    ("When was Malaysia's Vendor Development Program introduced?", QuestionType.YEAR),
    ("In what year was Japan's SME Agency established?", QuestionType.YEAR),
    ("By what year does the paper expect high income?", QuestionType.YEAR),
    ("On what date was the paper published?", QuestionType.YEAR),  # a date holds a year
    ("How much cumulative registered FDI capital had Vietnam received?", QuestionType.NUMBER),
    ("What was Singapore's per capita income in 2017?", QuestionType.NUMBER),
    ("What share of Malaysia's total exports were manufactured in 1990?", QuestionType.NUMBER),
    ("Why can the arrival of many manufacturing FDI firms be a double-edged sword?", QuestionType.REASON),
    ("What explains the divergent income outcomes of the five economies?", QuestionType.REASON),
    ("What is selective industrial policy?", QuestionType.DEFINITION),
    ("How does the paper define a sectoral trade balance?", QuestionType.DEFINITION),
    ("Who chairs Malaysia's National SME Development Council?", QuestionType.WHO),
    ("Which country was the largest source of FDI?", QuestionType.WHO),
    ("What are the two distinct purposes of SME promotion?", QuestionType.LIST),
    ("Should Vietnam follow the Thai or the Malaysian way?", QuestionType.YES_NO),
    ("What became of Malaysia's vendor programmes?", QuestionType.OUTCOME),
    ("Is the Industrial Linkage Program still running?", QuestionType.OUTCOME),
    ("What happened to the ILP in the end?", QuestionType.OUTCOME),
    ("Why did Malaysia drop the ILP?", QuestionType.REASON),  # a cause, not what happened
    ("Walk me through the stages of the programme.", QuestionType.SEQUENCE),
    ("How does the handover typically proceed, step by step?", QuestionType.SEQUENCE),
    ("What are the steps of training of trainers?", QuestionType.SEQUENCE),  # steps in order, not a list
    ("Instead of realistic steps, what should SME policy avoid?", QuestionType.OTHER),
    ("What minimum wage does Vietnam set for factory workers?", QuestionType.NUMBER),  # a sum of money
    ("What is holding the linkage unit back?", QuestionType.PROBLEM),
    ("What went wrong with the programme?", QuestionType.PROBLEM),
    ("What is the main weakness of the linkage unit?", QuestionType.PROBLEM),  # no definition asked for
    ("Which three facts are associated with the problem of weak value creation?", QuestionType.LIST),
    ("What's the share of manufacturing in Vietnam's GDP?", QuestionType.NUMBER),  # "what's" is "what is"
    ("What's happened to the ILP?", QuestionType.OUTCOME),  # "what's" is "what has" here
    ("What role does funding play in BUILD?", QuestionType.OTHER),  # no sum asked for
    ("whats the share of manufacturing in Vietnam's GDP", QuestionType.NUMBER),
    # a measure word far from the question word does not make a figure question
    ("What does the correlation between income level and policy quality suggest?", QuestionType.OTHER),
])
def test_question_types(question, kind):
    assert analyse(question).type is kind


def test_entities_countries_years_names():
    q = analyse("What was Thailand's manufacturing value added as a percentage of GDP in 2010?")
    assert q.countries == ("thailand",)
    assert q.years == ("2010",)
    assert "GDP" in q.names
    assert "manufacturing" in q.content and "thailand" in q.content


def test_demonyms_name_their_country_and_regions_are_not_countries():
    assert analyse("How fast did the Vietnamese economy grow?").countries == ("vietnam",)
    assert analyse("Which Rwandan body looks after investors?").countries == ("rwanda",)
    assert analyse("Which East Asian countries gained from integration?").countries == ()


def test_a_cited_work_is_not_a_year_asked_about():
    assert analyse("Which countries are cited, following Noland and Howard (2005), as examples?").years == ()
    assert analyse("According to Ohno (2014), what happened in 2010?").years == ("2010",)


def test_proper_names_skip_the_first_word_countries_and_table_pointers():
    assert proper_names("When was Malaysia's Vendor Development Program introduced?") == ("Vendor Development Program",)
    assert proper_names("What is training of trainers (TOT)?") == ("TOT",)
    assert analyse("What was Thailand's export share in 2015 according to Table 2?").names == ()


def test_definition_subject():
    assert analyse("What is selective industrial policy?").subject == "selective industrial policy"


def test_citations_and_pointers_are_not_figures_or_years():
    assert not has_year("It was shown in Table 3 (Ohno, 2014).")
    assert not has_figure("Tables 1 and 2, using World Bank data, illustrate it.")
    assert has_figure("FDI recorded US$319.6 billion.") and has_year("introduced in 1988")


@pytest.mark.parametrize("question, text, holds", [
    # an outcome is what happened in the end
    ("What became of Malaysia's vendor programmes?", "However, Malaysia subsequently dropped this policy.", True),
    ("What became of Malaysia's vendor programmes?",
     "The principal programs were the Vendor Development Program and the ILP.", False),
    # a weakness is what stands in the way
    ("What is holding the linkage unit back?", "However, one weakness of BUILD is the limited staff and budget.", True),
    ("What is holding the linkage unit back?", "BUILD is responsible for the Vendors Meet Customers Program.", False),
    # two items asked for may be joined by "and"; "and" alone is no list otherwise
    ("What are the two key components of national capacity building?",
     "We highlight SME policy and FDI-local firm linkage policy, the two key components.", True),
    ("What are the key components of national capacity building?", "We highlight SME policy and linkage policy.", False),
])
def test_a_passage_holds_the_type_of_answer_asked_for(question, text, holds):
    assert fits(analyse(question), text) is holds


def test_a_figure_must_be_the_asked_country_s():
    q = analyse("What share of Malaysia's exports were manufactured in 2000?")
    beside = "Vietnam's ratio rose from 42.7% in 2000, joining the group of Malaysia."
    assert not gives_figure_for(q, beside) and not fits(q, beside)
    assert fits(q, "Malaysia's manufactured exports were 80.43 in 2000.")
    # a sentence that names no other country can state it (the country is the document's scope)
    assert fits(analyse("What share of output must Ethiopian park investors export?"),
                "Investors are expected to export at least 80% of their output.")


@pytest.mark.parametrize("question, asks", [
    ("Who are the authors of the paper?", "authors"),
    ("Who wrote this report?", "authors"),
    ("Which of the three authors are based in Hanoi?", "authors"),
    ("What is the full title of this paper?", "title"),
    ("When was this article published?", "date"),
    ("when did this paper come out?", "date"),
    ("In which year was the report released?", "date"),
    ("What is the DOI of the article?", "doi"),
    ("What is this paper about?", "scope"),
    ("What does the study mainly focus on?", "scope"),
    ("which two policy areas does the paper zoom in on", "scope"),
    ("Which two areas does this overview single out for special attention?", "scope"),
    ("what is the report about, in short?", "scope"),
    ("Why does the paper centre on SME policy?", None),  # its reason, which the paper argues
    ("What is Malaysia's SME policy focused on nowadays?", None),
    ("What does the paper say about Malaysia's focus on SMEs?", None),
    ("Who paid for this research?", "funding"),
    ("Was the study funded by JICA or by someone else?", "funding"),
    ("What is the funding source of the paper?", "funding"),
    # the larger study it is part of, which its funding note names
    ("Which bigger research programme is this study part of?", "funding"),
    ("Does the article belong to a wider research project?", "funding"),
    ("Who funded the research behind this study?", "funding"),
    ("What is the project file number of the study this paper belongs to?", "funding"),
    ("What is the reference code of the government-funded project behind this study?", "funding"),
    ("On which website is the paper hosted?", "website"),
    ("What is the URL of this article?", "website"),
    ("Which of the authors works in Tokyo?", "authors"),
    ("What do the authors recommend for Vietnam?", None),
    ("Which authors does the paper cite on selective policy?", None),
    # funding and websites the paper reports on, not its own
    ("Who funded the BUILD unit?", None),
    ("Is BUILD part of a broader research programme?", None),
    ("Which major project is the kaizen program part of?", None),
    ("Which larger firms buy from the suppliers?", None),
    ("Who pays for the research institutes in Taiwan?", None),
    ("Who funds the work of JICA?", None),
    ("What is the reference number of the JICA project in Ethiopia?", None),
    ("Which agencies fund research in Vietnam according to the paper?", None),
    ("What does the paper say about online platforms?", None),
    ("What does the paper say about the website of JETRO?", None),
    ("Which websites does the report recommend for SMEs?", None),
    ("Which authors are cited for the flying geese model?", None),
    ("Was research funded by the state in Taiwan?", None),
    ("Who funds the study tours for Vietnamese officials?", None),
    ("When was BUILD established?", None),
    ("When was the VDP released?", None),  # "the" needs a word for the document
    ("When was the Master Plan issued?", None),
])
def test_questions_about_the_document_itself(question, asks):
    assert asks_about_document(question) == asks


@pytest.mark.parametrize("question, asks", [
    ("Where do the figures in Table 1 come from?", True),
    ("Which sources was the FDI policy table adapted from?", True),
    ("When was the source of Table 2 accessed?", True),
    ("What does the note under Table 3 say?", True),
    ("What is Table 4 based on?", True),
    ("Based on Table 2, which country exported the most manufactures in 2017?", False),
    ("What share of exports came from manufactured goods in Table 2?", False),  # what it shows
    ("Where do Vietnam's manufactured exports come from?", False),  # no table
    ("What is the main source of FDI in Vietnam?", False),
    ("What is the main source of FDI in Vietnam according to Table 4?", False),  # a source of FDI
    ("Which sources of growth does Table 2 show for Vietnam?", False),
    ("What does Table 1 note about Korea?", False),  # the verb
    ("What is the source of Taiwan's income figure in Table 3?", True),
    ("Table 3 income for Taiwan - whose data is that?", True),
    ("Whose figures in Table 1 are the highest?", False),  # which row, not which source
    ("Why does Taiwan's income figure carry an asterisk in Table 3?", True),
    ("What is left out of the industrial policy assessment in Table 3?", True),
    ("Which country is left out of Table 1?", False),  # its rows answer that, or nothing does
    ("What does the paper leave out?", False),  # no table
])
def test_questions_about_a_table_itself(question, asks):
    from chat_app.engine.question import analyse
    from chat_app.engine.table_source import asks_about_table

    assert asks_about_table(analyse(question)) is asks


@pytest.mark.parametrize("name, text, found", [
    ("Second World War", "the purpose of SME policy in the post WW2 period", True),
    ("World War II", "in the post WW2 period", True),
    ("World War II", "after WWII ended", True),
    ("Second World War", "the WTO rule", False),
    ("Second Plan", "the SP2 budget", False),  # one initial and a number say too little
])
def test_a_numbered_name_may_be_written_as_initials_and_number(name, text, found):
    from chat_app.engine.coverage import Vocabulary, word_set

    assert (not Vocabulary({}, {}).missing_names(analyse(f"What changed after the {name}?"), word_set(text), text)) \
        is found


@pytest.mark.parametrize("question, unknown", [
    ("What does the paper say about Vietnam's minimum wage?", ["wage"]),
    ("What do the authors recommend for Vietnam's exchange rate policy?", ["exchange"]),
    ("What is the paper's view on the stock market?", ["stock"]),
    ("What does the paper say about handholding support?", []),  # a topic it covers
    ("What do the authors say about making local firms stronger?", []),  # "strong" is its word
    ("What is Vietnam's exchange rate?", []),  # no view asked for: the other checks decide
    # what the topic does is no topic: "the impact of" the topic
    ("How does the paper assess the effect of inflation on Vietnamese firms?", ["inflation"]),
    ("How does the paper assess the role of handholding?", []),
    ("How does the paper assess the impacts of inflation on firms?", ["inflation"]),
    # the people a topic concerns, a question instead of a topic, words that place it in time
    ("What does the paper recommend for Vietnamese policymakers?", []),
    ("What does the paper argue about why Vietnam lags behind its neighbours?", []),
    ("What does the paper say about Vietnam's future prospects?", []),
    ("What does the paper recommend for Vietnam going forward?", []),
])
def test_the_topic_a_question_asks_the_papers_view_on_must_be_one_it_names(engine, question, unknown):
    assert engine.vocabulary.unknown_topic(analyse(question)) == unknown


@pytest.mark.parametrize("year, text, period", [
    ("2018", "The economy grew at 7.6% from 1991-2010 and 6% during the period of 2010-2018 (GSO, 2018).",
     "2010-2018"),
    ("2017", "During 1995-2017, the share of primary exports fell sharply from 67.2% to 16.3%.", None),  # its end
    ("2017", "In 2017, export by the FDI sector was more than US$155 billion.", None),
    ("2017", "Between 2000-2017 the share rose; in 2017 it was 19.6%.", None),  # named on its own too
])
def test_a_figure_for_a_period_is_no_figure_for_one_of_its_years(year, text, period):
    from chat_app.engine.answer_types import period_only

    assert period_only(year, text) == period


@pytest.mark.parametrize("question, by_lines", [
    ("Which institution do Pham and Tran work at?", True),
    ("Where is Kenichi Ohno based at?", True),
    ("Which institution did Ohno (2014) study?", False),  # a work the paper cites
    ("Which institution coordinates SME policy in Malaysia?", False),  # no author named
    ("Which institutions does Ohno say should lead SME policy in Vietnam?", False),  # what he argues
])
def test_where_the_papers_own_authors_work_is_read_from_its_by_lines(engine, question, by_lines):
    from chat_app.engine.meta_answer import meta_quote

    found = meta_quote(question, "east_asian_industrial_policy.md", engine.reader)
    assert (found is not None and found.asks == "authors") is by_lines


@pytest.mark.parametrize("question, said", [
    ("When did this article come out, and what's its DOI?", ["November 30th 2019", "10.7176/EJBM/11-33-08"]),
    ("Who wrote the paper and when was it published?", ["Kenichi Ohno", "November 30th 2019"]),
    ("When was the paper published, and who wrote it?", ["November 30th 2019", "Kenichi Ohno"]),
])
def test_a_question_that_asks_two_things_of_the_document_gets_both(engine, question, said):
    answer = engine.ask(question)
    assert [answer.text.index(part) for part in said] == sorted(answer.text.index(part) for part in said)
    assert len(answer.citations) == 2


def test_a_name_said_in_a_source_citation_is_said(engine):
    # "(Noland and Howard, 2005)" names the authors a question asks about.
    answer = engine.ask("Which countries do Noland and Howard hold up as having gained from global integration?")
    assert not answer.abstained and "Japan, Taiwan, and Singapore" in answer.text


def test_what_a_report_is_about_is_its_abstracts_sentence_about_itself(two_documents):
    # The Ethiopia report's abstract opens with background; its second sentence says what it does.
    answer = two_documents.ask("What does the Ethiopia report focus on?")
    assert "This paper reviews the performance of the parks" in answer.text


def test_steps_are_told_sentence_by_sentence():
    from chat_app.engine.answer_types import tells_steps

    assert tells_steps("Initially, locals observe how foreign experts teach. Then they themselves teach.")
    assert tells_steps("First, a survey is made. Finally, the results are published.")
    # one sentence listing two ways is no sequence of steps
    assert not tells_steps("People can be strengthened firstly by working with foreign firms, and secondly by "
                           "fostering independent SMEs.")
    assert not tells_steps("Then they themselves teach while foreigners watch.")


@pytest.mark.parametrize("question, text, answers", [
    ("How much did JICA spend on its kaizen project?", "The project aims to produce about 400 experts.", False),
    ("How much did JICA spend on its kaizen project?", "The project cost US$12 million.", True),
    ("What is the annual budget of the unit?", "Its budget is 40 million baht a year.", True),
    ("How much do firms pay for handholding?", "Support where no or little fee is charged.", True),
    ("What minimum wage does Vietnam set?", "In 2017 per capita income was 2,160.", False),
    # a figure that is not money is not asked for in money; nor are attention, shares and changes
    ("How much attention did Malaysia pay to SMEs?", "Malaysia elevated SME policy 20 years ago.", True),
    ("What percentage of the budget goes to SMEs?", "About 5% of it.", True),
    ("How much have labour costs risen in China?", "They rose by 40%.", True),
    ("How many experts did the project train?", "The project aims to produce about 400 experts.", True),
])
def test_a_sum_of_money_is_answered_only_in_money(question, text, answers):
    from chat_app.engine.answer_types import asks_money, gives_money

    assert (not asks_money(analyse(question)) or gives_money(text)) is answers
