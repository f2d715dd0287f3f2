/** What a finished request reports back to the tenant's budget. */
export interface Settlement {
  /** UNet evaluations the gpu-service reports it spent. */
  evaluations: number;
  images: number;
  teacherImages: number;
  degradedImages: number;
}

/** What a settled request costs: what the gpu-service spent, never more than was reserved. */
export function chargeFor(settlement: Settlement, reserved: number): number {
  return Math.min(reserved, Math.max(0, Math.round(settlement.evaluations)));
}
