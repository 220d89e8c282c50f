# nltk's dependencies as content might use them: joblib (imports without distutils in the
# sandbox), tqdm and click; compared with a native run of the same layer.
import joblib
import tqdm
import click
from joblib import Parallel, delayed

print(joblib.__version__, tqdm.__version__, click.__version__)
print(Parallel(n_jobs=1)(delayed(pow)(i, 2) for i in range(6)))
memory = joblib.Memory(location=None, verbose=0)
print(memory.cache(lambda x: x * 3)(14))
print(sum(tqdm.tqdm(range(101), disable=True)))
print(repr(click.style("ok", fg="green", bold=True)))


@click.command()
@click.option("--count", type=int, default=1)
@click.argument("name")
def hello(count, name):
    return " ".join(["hello " + name] * count)


print(hello.main(["--count", "2", "world"], standalone_mode=False))
