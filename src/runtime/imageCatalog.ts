// The catalog of images the service starts: those of the image configuration
// (python-wasm/layers/images.json by default) plus the numpy image when its artifacts are
// present, which of them is the default, and which one takes code that uses numpy.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './artifacts.js';
import type { RuntimeImage } from './image.js';
import { defaultImageName, loadImages, ImageConfigError } from './layeredImages.js';
import { loadNumpyImage, numpyDistDir } from './numpyImage.js';

export interface ImageCatalog {
  images: Map<string, RuntimeImage>;
  defaultImage: string;
  /** The image for code that uses numpy, when it is started. */
  numpyImage?: string;
}

export function loadImageCatalog(opts: { configPath?: string; only?: string[]; defaultImage?: string } = {}): ImageCatalog {
  const root = repoRoot();
  const all: Map<string, RuntimeImage> = new Map(loadImages(opts.configPath, { root }));
  const defaultImage = opts.defaultImage ?? defaultImageName(opts.configPath, root);
  let numpyName: string | undefined;
  if (existsSync(join(numpyDistDir(root), 'SHA256SUMS'))) {
    // numpy content often uses the default image's libraries too (sympy, ...): mount its layers.
    const base = all.get(defaultImage);
    const numpy = loadNumpyImage({ root, base: all.get('py311-base') });
    if (base) {
      const have = new Set(numpy.files.map((f) => f.path));
      numpy.files = [...numpy.files, ...base.files.filter((f) => base.sysPath.includes(f.path) && !have.has(f.path))];
      numpy.sysPath = [...numpy.sysPath, ...base.sysPath.filter((p) => !numpy.sysPath.includes(p))];
    }
    all.set(numpy.name, numpy);
    numpyName = numpy.name;
  }
  const wanted = opts.only ?? [...all.keys()];
  const images = new Map<string, RuntimeImage>();
  for (const name of wanted) {
    const image = all.get(name);
    if (!image) throw new ImageConfigError(`unknown image ${name} (have: ${[...all.keys()].join(', ')})`);
    images.set(name, image);
  }
  if (!images.has(defaultImage)) {
    throw new ImageConfigError(`the default image ${defaultImage} is not among the started images (${[...images.keys()].join(', ')})`);
  }
  return { images, defaultImage, numpyImage: numpyName && images.has(numpyName) ? numpyName : undefined };
}
