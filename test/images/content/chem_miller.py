import chem.miller
print(chem.miller.grade('{"lattice": "bcc", "points": [["0.00", "0.00", "0.50"], ["1.00", "0.00", "0.50"], ["0.00", "1.00", "0.50"]]}', {"miller": "(00-1)", "lattice": "bcc"}))
print(chem.miller.miller(__import__("numpy").array([[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]])))
print(chem.miller.grade('{"lattice": "sc", "points": [["0.77", "0.00", "1.00"], ["0.78", "1.00", "0.00"], ["0.00", "1.00", "0.72"]]}', {"miller": "(00-1)", "lattice": "bcc"}))
