import nltk
from nltk.tokenize import TreebankWordTokenizer, wordpunct_tokenize, TweetTokenizer, RegexpTokenizer, WhitespaceTokenizer, SExprTokenizer, ToktokTokenizer
s = "Don't hesitate, it's only $3.50 (a bargain!)... Call 555-1234 :-) #deal @bob"
print(TreebankWordTokenizer().tokenize(s))
print(wordpunct_tokenize(s))
print(TweetTokenizer(strip_handles=True, reduce_len=True).tokenize(s + " soooooo goooood"))
print(RegexpTokenizer(r'\w+|\$[\d\.]+|\S+').tokenize(s), WhitespaceTokenizer().tokenize(s))
print(ToktokTokenizer().tokenize(s), SExprTokenizer().tokenize('(a (b c)) d'))
print(list(nltk.ngrams('abcd', 2)), nltk.FreqDist('abracadabra').most_common(3))
grammar = nltk.CFG.fromstring("S -> NP VP\nNP -> 'I' | Det N\nVP -> V NP\nDet -> 'a'\nN -> 'dog'\nV -> 'saw'")
print([str(t) for t in nltk.ChartParser(grammar).parse('I saw a dog'.split())])
print(nltk.stem.PorterStemmer().stem('running'), nltk.stem.SnowballStemmer('english').stem('generously'))
print(nltk.edit_distance('kitten', 'sitting'), nltk.__version__)
