// The catalog of images the service starts: those of the image configuration
// (python-wasm/layers/images.json by default), and which of them is the default.
import { repoRoot } from './artifacts.js';
import type { RuntimeImage } from './image.js';
import { defaultImageName, loadImages, ImageConfigError } from './layeredImages.js';

export interface ImageCatalog {
  images: Map<string, RuntimeImage>;
  defaultImage: string;
}

export function loadImageCatalog(opts: { configPath?: string; only?: string[]; defaultImage?: string } = {}): ImageCatalog {
  const root = repoRoot();
  const all: Map<string, RuntimeImage> = new Map(loadImages(opts.configPath, { root, only: opts.only }));
  const defaultImage = opts.defaultImage ?? defaultImageName(opts.configPath, root);
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
  return { images, defaultImage };
}
