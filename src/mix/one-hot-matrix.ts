// Small 0/1 selection matrices, built in JavaScript from index lists: multiplying by one copies and
// repeats columns of a tensor through the backend's matrix product, exactly (one 1 per column).

/**
 * Row-major [rows, indices.length * repeat]: column c * repeat + k (k < repeat) has its 1 at row
 * indices[c]. Used to up-sample along the image width and copy the value across the channels at once.
 */
export function oneHotColumns(indices: ArrayLike<number>, rows: number, repeat = 1): Float32Array {
  const columns = indices.length * repeat;
  const matrix = new Float32Array(rows * columns);
  for (let c = 0; c < indices.length; c++) {
    for (let k = 0; k < repeat; k++) matrix[indices[c] * columns + c * repeat + k] = 1;
  }
  return matrix;
}
