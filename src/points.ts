// Names of the preemption points (docs/model.md §16.1), indexed by `Point`.
import { Point } from './shared/codes.js';
import type { PointName } from './types.js';

export const POINT_NAMES: readonly PointName[] = [
  'task-op', 'nolock-entry', 'krc-locked', 'krc-before-unlock', 'llist-drain', 'monitor-locked', 'work-locked', 'page-refill-locked',
];

export function pointName(p: number): PointName {
  return POINT_NAMES[p - 1];
}

export function pointId(name: PointName): Point {
  return (POINT_NAMES.indexOf(name) + 1) as Point;
}
