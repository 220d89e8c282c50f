# Results that changed between Debian bookworm's sympy 1.11.1 / networkx 2.8.8 and the
# sandbox pins sympy 1.14.0 / networkx 3.6.1.
import networkx as nx
import sympy as sp

# sympy 1.13: a Float no longer compares equal to the Rational of the same value.
print(sp.Float(2.0) == sp.Integer(2), sp.sympify('0.5') == sp.Rational(1, 2), sp.sympify('2.0') == 2)
x = sp.Symbol('x')
print(sp.solve(x**2 - 2.0, x), sp.nsimplify(0.5 * x + 0.25))
# networkx 3.4+: node_link_data names the edge list "edges" (2.8: "links").
print(nx.node_link_data(nx.path_graph(3)))
