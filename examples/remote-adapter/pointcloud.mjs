// Point clouds for the example remote adapter: read x, y, z from PLY or PCD, and classify a cloud
// by its shape. Self-contained on purpose: a remote adapter does not share code with the gateway.

/** Thrown for content this adapter cannot read; the server answers 422 unprocessable_input. */
export class UnreadableInputError extends Error {
  name = 'UnreadableInputError';
}

/** Reads the points of a PLY (ascii, binary little/big endian) or PCD (ascii, binary, binary_compressed) file. */
export function readPointCloud(buffer) {
  const head = buffer.subarray(0, 16).toString('latin1');
  if (head.startsWith('ply')) return readPly(buffer);
  if (/^(#|VERSION|FIELDS)/.test(head)) return readPcd(buffer);
  throw new UnreadableInputError('not a PLY or PCD point cloud');
}

const PLY_TYPES = {
  char: ['getInt8', 1],
  int8: ['getInt8', 1],
  uchar: ['getUint8', 1],
  uint8: ['getUint8', 1],
  short: ['getInt16', 2],
  int16: ['getInt16', 2],
  ushort: ['getUint16', 2],
  uint16: ['getUint16', 2],
  int: ['getInt32', 4],
  int32: ['getInt32', 4],
  uint: ['getUint32', 4],
  uint32: ['getUint32', 4],
  float: ['getFloat32', 4],
  float32: ['getFloat32', 4],
  double: ['getFloat64', 8],
  float64: ['getFloat64', 8],
};

function readPly(buffer) {
  const { lines, bodyStart } = headerLines(buffer, (line) => line === 'end_header');
  const format = lines.find((l) => l.startsWith('format '))?.split(/\s+/)[1];
  // Only the first element is read, so the vertices must come first (they do in practice).
  const firstElement = lines.findIndex((l) => l.startsWith('element '));
  const [, name, countText] = lines[firstElement]?.split(/\s+/) ?? [];
  if (name !== 'vertex') throw new UnreadableInputError('PLY: the first element is not "vertex"');
  const properties = [];
  for (const line of lines.slice(firstElement + 1)) {
    if (!line.startsWith('property ')) break;
    const [, type, propertyName] = line.split(/\s+/);
    if (type === 'list' || !PLY_TYPES[type])
      throw new UnreadableInputError(`PLY: vertex property type "${type}"`);
    properties.push({ name: propertyName, type });
  }
  const fields = properties.map((p) => p.name);
  const count = Number(countText);
  if (format === 'ascii') {
    const rows = buffer.subarray(bodyStart).toString('latin1').split('\n').slice(0, count);
    return pickXyz(fields, count, (i, f) => Number(rows[i]?.trim().split(/\s+/)[f]));
  }
  if (format !== 'binary_little_endian' && format !== 'binary_big_endian') {
    throw new UnreadableInputError(`PLY: format "${format}"`);
  }
  const little = format === 'binary_little_endian';
  const { offsets, total: stride } = runningOffsets(properties.map((p) => PLY_TYPES[p.type][1]));
  const view = bodyView(buffer, bodyStart, stride * count);
  return pickXyz(fields, count, (i, f) =>
    view[PLY_TYPES[properties[f].type][0]](i * stride + offsets[f], little),
  );
}

function readPcd(buffer) {
  const { lines, bodyStart } = headerLines(buffer, (line) => line.startsWith('DATA '));
  const header = Object.fromEntries(
    lines.filter((l) => !l.startsWith('#')).map((l) => [l.split(/\s+/)[0], l.split(/\s+/).slice(1)]),
  );
  const fields = header.FIELDS ?? [];
  const count = Number(header.POINTS?.[0] ?? Number(header.WIDTH?.[0]) * Number(header.HEIGHT?.[0]));
  const data = header.DATA?.[0];
  if (data === 'ascii') {
    const rows = buffer.subarray(bodyStart).toString('latin1').split('\n').slice(0, count);
    return pickXyz(fields, count, (i, f) => Number(rows[i]?.trim().split(/\s+/)[f]));
  }
  const sizes = header.SIZE.map(Number);
  const counts = (header.COUNT ?? fields.map(() => '1')).map(Number);
  const types = header.TYPE;
  const read = (view, offset, f) => {
    if (types[f] !== 'F') throw new UnreadableInputError(`PCD: coordinate field of type ${types[f]}`);
    return sizes[f] === 8 ? view.getFloat64(offset, true) : view.getFloat32(offset, true);
  };
  if (data === 'binary') {
    // Row-major: one record per point.
    const { offsets, total: stride } = runningOffsets(fields.map((_, f) => sizes[f] * counts[f]));
    const view = bodyView(buffer, bodyStart, stride * count);
    return pickXyz(fields, count, (i, f) => read(view, i * stride + offsets[f], f));
  }
  if (data === 'binary_compressed') {
    // LZF-compressed and column-major: all x values, then all y values, and so on.
    const sizesView = bodyView(buffer, bodyStart, 8);
    const compressed = buffer.subarray(bodyStart + 8, bodyStart + 8 + sizesView.getUint32(0, true));
    const raw = lzfDecompress(compressed, sizesView.getUint32(4, true));
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const { offsets: starts, total } = runningOffsets(fields.map((_, f) => sizes[f] * counts[f] * count));
    if (total > raw.length) throw new UnreadableInputError('PCD: compressed data is shorter than declared');
    return pickXyz(fields, count, (i, f) => read(view, starts[f] + i * sizes[f] * counts[f], f));
  }
  throw new UnreadableInputError(`PCD: DATA "${data}"`);
}

/** The header's lines, up to and including the one `isLast` accepts, and where the body starts. */
function headerLines(buffer, isLast) {
  const lines = [];
  let at = 0;
  while (at < buffer.length && at < 65_536) {
    const end = buffer.indexOf(0x0a, at);
    if (end < 0) break;
    const line = buffer.subarray(at, end).toString('latin1').trim();
    lines.push(line);
    at = end + 1;
    if (isLast(line)) return { lines, bodyStart: at };
  }
  throw new UnreadableInputError('the header does not end');
}

/** Where each of a run of fields starts, and the run's total size. */
function runningOffsets(sizes) {
  const offsets = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += size;
  }
  return { offsets, total };
}

function bodyView(buffer, start, length) {
  if (buffer.length < start + length)
    throw new UnreadableInputError('the file is shorter than its header says');
  return new DataView(buffer.buffer, buffer.byteOffset + start, length);
}

function pickXyz(fields, count, value) {
  const [fx, fy, fz] = ['x', 'y', 'z'].map((name) => fields.indexOf(name));
  if (fx < 0 || fy < 0 || fz < 0) throw new UnreadableInputError('the cloud has no x, y and z fields');
  if (!Number.isInteger(count) || count <= 0) throw new UnreadableInputError('the cloud declares no points');
  const points = [];
  for (let i = 0; i < count; i++) {
    const p = [value(i, fx), value(i, fy), value(i, fz)];
    if (p.some((v) => Number.isNaN(v))) throw new UnreadableInputError(`point ${i} is not a number`);
    if (p.every(Number.isFinite)) points.push(p); // PCD marks missing points with NaN or Inf
  }
  return points;
}

/** LZF, as PCL writes it: literal runs and back references. */
function lzfDecompress(input, outputLength) {
  const out = Buffer.alloc(outputLength);
  let i = 0;
  let o = 0;
  while (i < input.length) {
    const ctrl = input[i++];
    if (ctrl < 32) {
      input.copy(out, o, i, i + ctrl + 1);
      i += ctrl + 1;
      o += ctrl + 1;
    } else {
      let length = ctrl >> 5;
      if (length === 7) length += input[i++];
      let ref = o - ((ctrl & 0x1f) << 8) - input[i++] - 1;
      if (ref < 0) throw new UnreadableInputError('PCD: corrupt compressed data');
      for (let n = 0; n < length + 2; n++) out[o++] = out[ref++];
    }
  }
  return out;
}

/**
 * Classifies a cloud by its spread along its principal axes: s1 ≥ s2 ≥ s3 are the square roots of
 * the covariance eigenvalues. Elongated when s2 ≤ s1 / 2, else planar when s3 ≤ s1 / 4, else
 * compact. Linearity (s1 − s2) / s1, planarity (s2 − s3) / s1 and scattering s3 / s1 (they add up
 * to 1) are reported with it.
 */
export function classifyPointCloud(points) {
  if (points.length < 3) throw new UnreadableInputError('a cloud needs at least 3 points to have a shape');
  const n = points.length;
  const mean = [0, 1, 2].map((k) => points.reduce((sum, p) => sum + p[k], 0) / n);
  const cov = [0, 1, 2].map((a) =>
    [0, 1, 2].map((b) => points.reduce((sum, p) => sum + (p[a] - mean[a]) * (p[b] - mean[b]), 0) / n),
  );
  const axes = eigenSymmetric3(cov);
  const [s1, s2, s3] = axes.map((axis) => Math.sqrt(Math.max(axis.value, 0)));
  const extents = axes.map(({ vector }) => {
    let [min, max] = [Infinity, -Infinity];
    for (const p of points) {
      const along = p[0] * vector[0] + p[1] * vector[1] + p[2] * vector[2];
      [min, max] = [Math.min(min, along), Math.max(max, along)];
    }
    return max - min;
  });
  const label = s2 <= s1 / 2 ? 'elongated' : s3 <= s1 / 4 ? 'planar' : 'compact';
  const round = (v) => Number(v.toPrecision(4)) + 0; // + 0 turns -0 into 0
  const direction = (vector) => vector.map((v) => round(Math.abs(v) < 1e-9 ? 0 : v));
  return {
    label,
    points: n,
    extents: extents.map(round),
    spread: [s1, s2, s3].map(round),
    linearity: s1 ? round((s1 - s2) / s1) : 0,
    planarity: s1 ? round((s2 - s3) / s1) : 0,
    scattering: s1 ? round(s3 / s1) : 1,
    mainAxis: direction(axes[0].vector),
    normal: direction(axes[2].vector),
    centroid: mean.map(round),
  };
}

/** One line for people: the class and the numbers behind it. */
export function describeClassification(c) {
  const vertical = c.label === 'elongated' && Math.abs(c.mainAxis[2]) > 0.9 ? ', vertical' : '';
  const horizontal = c.label === 'planar' && Math.abs(c.normal[2]) > 0.9 ? ', horizontal' : '';
  return (
    `${c.label}${vertical}${horizontal}: ${c.points} points, extents along the principal axes ` +
    `${c.extents.join(' × ')}; linearity ${c.linearity}, planarity ${c.planarity}, ` +
    `scattering ${c.scattering}; main axis (${c.mainAxis.join(', ')})`
  );
}

/** Eigenvalues (descending) and unit eigenvectors of a symmetric 3×3 matrix, by Jacobi rotations. */
function eigenSymmetric3(matrix) {
  const a = matrix.map((row) => [...row]);
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = Math.abs(a[0][1]) + Math.abs(a[0][2]) + Math.abs(a[1][2]);
    if (off < 1e-15 * (Math.abs(a[0][0]) + Math.abs(a[1][1]) + Math.abs(a[2][2]) + 1e-300)) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      if (a[p][q] === 0) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const [akp, akq] = [a[k][p], a[k][q]];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const [apk, aqk] = [a[p][k], a[q][k]];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const [vkp, vkq] = [v[k][p], v[k][q]];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  return [0, 1, 2]
    .map((i) => ({ value: a[i][i], vector: [v[0][i], v[1][i], v[2][i]] }))
    .sort((x, y) => y.value - x.value);
}

/** A top-down (x, y) view of the cloud, `size` × `size` pixels: brighter where more points fall. */
export function renderTopDown(points, size) {
  const [minX, maxX, minY, maxY] = points.reduce(
    ([a, b, c, d], [x, y]) => [Math.min(a, x), Math.max(b, x), Math.min(c, y), Math.max(d, y)],
    [Infinity, -Infinity, Infinity, -Infinity],
  );
  const scale = (size - 1) / Math.max(maxX - minX, maxY - minY, Number.MIN_VALUE);
  const counts = new Uint32Array(size * size);
  for (const [x, y] of points) {
    const column = Math.round((x - minX) * scale);
    const row = size - 1 - Math.round((y - minY) * scale); // y up, as on a map
    counts[row * size + column]++;
  }
  const densest = counts.reduce((a, b) => Math.max(a, b), 1);
  const pixels = Buffer.alloc(size * size);
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]) pixels[i] = 64 + Math.round((191 * Math.log1p(counts[i])) / Math.log1p(densest));
  }
  return pixels;
}
