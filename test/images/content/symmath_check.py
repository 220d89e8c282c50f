from symmath import symmath_check, symmath_check_simple
print(symmath_check_simple('x^2+2*x+1', '(x+1)^2'))
print(symmath_check_simple('x^2+2*x+1', '(x+1)^3'))
print(symmath_check('sqrt(2)/2', 'sqrt(2)/2'), symmath_check('2*pi', '6.2832', options='numerical'))
print(symmath_check('[[1,0],[0,1]]', '[[1,0],[0,1]]', options='matrix'))
print(symmath_check('x+y', 'y+x'), symmath_check('x+y', 'y-x'))
