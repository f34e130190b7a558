// TypeScript shapes of the answers the app reads (a subset of the schema).

export interface UserError {
  field?: string[] | null;
  message: string;
  code: string;
}

export interface Spec {
  id: string;
  category: string;
  key: string;
  value: string;
  status: string;
  confidence?: number;
}

export interface Question {
  id: string;
  text: string;
  category: string;
  context?: string | null;
  askedAt: string;
  answer?: string | null;
  specifications: Spec[];
}

export interface ProjectSummary {
  id: string;
  name: string;
  description?: string | null;
  phase: string;
  maturity: number;
  openConflictCount: number;
  updatedAt: string;
}

export interface Coverage {
  category: string;
  specCount: number;
  confidenceSum: number;
  target: number;
  coverage: number;
}

export interface ConflictItem {
  id: string;
  type: string;
  severity: string;
  status: string;
  description: string;
  detectedAt: string;
  specifications: Spec[];
}
