// What `gridmix data fetch NAME` downloads for each dataset, from the official addresses, and which
// datasets it must not download (their terms require the user to get them).
import { CIFAR10_ARCHIVE } from './readers/cifar10';
import { CIFAR100_ARCHIVE } from './readers/cifar100';
import { CUB_ARCHIVE } from './readers/cub200';
import { FASHION_MNIST_FILES } from './readers/fashion-mnist';
import { TINY_IMAGENET_ARCHIVE } from './readers/tiny-imagenet';
import type { DownloadSource } from './download';

export interface FetchPlan {
  /** Files to download; archives among them are unpacked in place. */
  sources: DownloadSource[];
  unpack: boolean;
  /** Printed before downloading: the dataset's terms and citation. */
  terms: string;
}

const FASHION_MNIST_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com';

/** Upstream's md5s of the four .gz files (Debian's recompressed copies differ; see the reader). */
const FASHION_MNIST_MD5: Record<string, string> = {
  [FASHION_MNIST_FILES.trainImages]: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  [FASHION_MNIST_FILES.trainLabels]: '25c81989df183df01b3e8a0aad5dffbe',
  [FASHION_MNIST_FILES.testImages]: 'bef4ecab320f06d8554ea6380940ec79',
  [FASHION_MNIST_FILES.testLabels]: 'bb300cfdad3c16e7a12a480ee83cd310',
};

export const FETCH_PLANS: Record<string, FetchPlan> = {
  'fashion-mnist': {
    sources: Object.values(FASHION_MNIST_FILES).map((file) => ({ url: `${FASHION_MNIST_BASE}/${file}`, file, md5: FASHION_MNIST_MD5[file] })),
    unpack: false,
    terms: 'Fashion-MNIST: MIT licence, (c) 2017 Zalando SE; cite Xiao, Rasul and Vollgraf, arXiv:1708.07747.',
  },
  cifar10: {
    sources: [CIFAR10_ARCHIVE],
    unpack: true,
    terms: 'CIFAR-10: cite Krizhevsky, Learning Multiple Layers of Features from Tiny Images (2009); do not redistribute.',
  },
  cifar100: {
    sources: [CIFAR100_ARCHIVE],
    unpack: true,
    terms: 'CIFAR-100: cite Krizhevsky, Learning Multiple Layers of Features from Tiny Images (2009); do not redistribute.',
  },
  'tiny-imagenet': {
    sources: [TINY_IMAGENET_ARCHIVE],
    unpack: true,
    terms: "Tiny ImageNet (Stanford CS231N): ImageNet images, ImageNet's non-commercial research terms apply; do not redistribute.",
  },
  cub200: {
    sources: [CUB_ARCHIVE],
    unpack: true,
    terms: 'CUB-200-2011: Flickr images, research use; cite Wah et al., CNS-TR-2011-001 (2011); do not redistribute.',
  },
};

/** Replaces the folder of each source URL with `mirror` (for hosts that moved). */
export function withMirror(plan: FetchPlan, mirror: string | undefined): FetchPlan {
  if (!mirror) return plan;
  const base = mirror.replace(/\/+$/, '');
  return { ...plan, sources: plan.sources.map((s) => ({ ...s, url: `${base}/${s.file}` })) };
}
