import json
from verifiers.draganddrop import grade, PositionsCompare
user_input = json.dumps([{'p': 'p_l'}, {'up': {'first': {'p': 'p_l'}}}])
correct_answer = [{'draggables': ['p'], 'targets': ['p_l', 'p_r'], 'rule': 'anyof'},
                  {'draggables': ['up'], 'targets': ['p_l[p][first]'], 'rule': 'anyof'}]
print(grade(user_input, correct_answer))
print(grade(json.dumps([{'1': 't1'}, {'name_with_icon': 't2'}]), {'1': 't1', 'name_with_icon': 't2'}))
print(grade(json.dumps([{'1': 't2'}, {'name_with_icon': 't1'}]), {'1': 't1', 'name_with_icon': 't2'}))
print(grade(json.dumps([{'1': [10, 10]}, {'name_with_icon': [20, 20]}]), {'1': [[10, 10], 4], 'name_with_icon': [[20, 20], 4]}))
print(grade(json.dumps([{'1': [10, 10]}, {'name_with_icon': [30, 20]}]), {'1': [[10, 10], 4], 'name_with_icon': [[20, 20], 4]}))
print(grade(json.dumps([{'a': 't1'}, {'b': 't1'}, {'c': 't2'}]), [{'draggables': ['a', 'b'], 'targets': ['t1', 't1'], 'rule': 'unordered_equal+number'}, {'draggables': ['c'], 'targets': ['t2'], 'rule': 'exact'}]))
print(PositionsCompare([3.5, 4.5]) == PositionsCompare([5, 7]), PositionsCompare([1, 2]) != PositionsCompare(['1']))
import eia, loncapa
print(eia.iseia(1.1e3), eia.iseia(1.05e3), eia.iseia(4.7e3, (eia.E6,)), eia.iseia(-1))
