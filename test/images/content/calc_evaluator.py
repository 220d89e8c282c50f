from calc import evaluator, UndefinedVariable
from calc.preview import latex_preview
print(evaluator({'x': 2, 'R1': 10, 'R2': 15}, {'f': lambda v: v * 3}, 'f(x)^2 + sqrt(4) + R1||R2'))
print(evaluator({}, {}, '5.0e-3 + sin(pi/6) + e^1 + 4.2% - 50%'))
print(evaluator({'T': 300, 'q': 1.602e-19}, {}, 'T/q', case_sensitive=True), evaluator({'X': 2, 'x': 3}, {}, 'X*x', case_sensitive=True))
print(evaluator({}, {}, 'arcsin(1/2)*180/pi'), evaluator({}, {}, 'fact(5) + factorial(3)'))
print(evaluator({'a': 1j}, {}, 'a^2 + abs(3+4*j)'))
for expr in ('x + 1', 'sin(', '1/0'):
    try:
        print(evaluator({}, {}, expr))
    except Exception as e:
        print(type(e).__name__, e)
print(latex_preview('x^2 + sqrt(y)/R_1', variables=['x', 'y', 'R_1']))
print(latex_preview('f(x)*2', variables=['x'], functions=['f']))
