export type Vec3 = [number, number, number];

/** Centroid, covariance eigen-decomposition and plane fit of a set of positions. */
export interface PrincipalAxes {
  /** Finite points the statistics come from. */
  count: number;
  centroid: Vec3;
  /** Eigenvalues of the (population) covariance, largest first. */
  eigenvalues: Vec3;
  /** Unit eigenvectors matching `eigenvalues`; the last is the normal of the best-fit plane. */
  axes: [Vec3, Vec3, Vec3];
}

/** Whether point `i` of interleaved x y z positions has three finite coordinates. */
export function isFinitePoint(xyz: Float32Array, i: number): boolean {
  return Number.isFinite(xyz[3 * i]) && Number.isFinite(xyz[3 * i + 1]) && Number.isFinite(xyz[3 * i + 2]);
}

/** PCA of the finite points of interleaved x y z positions; undefined when none is finite. */
export function principalAxes(xyz: Float32Array): PrincipalAxes | undefined {
  const n = xyz.length / 3;
  const sum: Vec3 = [0, 0, 0];
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    count++;
    for (let a = 0; a < 3; a++) sum[a] += xyz[3 * i + a];
  }
  if (count === 0) return undefined;
  const centroid: Vec3 = [sum[0] / count, sum[1] / count, sum[2] / count];
  const cov = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let i = 0; i < n; i++) {
    if (!isFinitePoint(xyz, i)) continue;
    const d = [xyz[3 * i] - centroid[0], xyz[3 * i + 1] - centroid[1], xyz[3 * i + 2] - centroid[2]];
    for (let r = 0; r < 3; r++) for (let c = r; c < 3; c++) cov[r][c] += d[r] * d[c];
  }
  for (let r = 0; r < 3; r++) {
    for (let c = r; c < 3; c++) {
      cov[r][c] /= count;
      cov[c][r] = cov[r][c];
    }
  }
  const { values, vectors } = jacobiEigen(cov);
  const order = [0, 1, 2].sort((a, b) => values[b] - values[a]);
  const axes = order.map((k) => canonicalSign([vectors[0][k], vectors[1][k], vectors[2][k]])) as [
    Vec3,
    Vec3,
    Vec3,
  ];
  const eigenvalues = order.map((k) => Math.max(0, values[k])) as Vec3;
  return { count, centroid, eigenvalues, axes };
}

/**
 * Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations. Returns the
 * eigenvalues and a matrix whose columns are the matching unit eigenvectors.
 */
export function jacobiEigen(matrix: number[][]): { values: Vec3; vectors: number[][] } {
  const a = matrix.map((row) => [...row]);
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0][1] ** 2 + a[0][2] ** 2 + a[1][2] ** 2;
    const scale = a[0][0] ** 2 + a[1][1] ** 2 + a[2][2] ** 2 + off;
    if (off <= 1e-30 * Math.max(scale, Number.MIN_VALUE) || off === 0) break;
    for (let p = 0; p < 2; p++) {
      for (let q = p + 1; q < 3; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 3; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < 3; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 3; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: [a[0][0], a[1][1], a[2][2]], vectors: v };
}

/** The vector, flipped so that its largest component is positive (a stable sign for output). */
function canonicalSign(vector: Vec3): Vec3 {
  const length = Math.hypot(...vector) || 1;
  let largest = 0;
  for (let k = 1; k < 3; k++) if (Math.abs(vector[k]) > Math.abs(vector[largest])) largest = k;
  const sign = vector[largest] < 0 ? -1 : 1;
  return vector.map((x) => (sign * x) / length + 0) as Vec3;
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** Point `i` of interleaved positions minus `origin`, as a vector. */
export function offset(xyz: Float32Array, i: number, origin: Vec3): Vec3 {
  return [xyz[3 * i] - origin[0], xyz[3 * i + 1] - origin[1], xyz[3 * i + 2] - origin[2]];
}
