/** The check pack: every phase's checks, in the order they are reported. */
import type { PhaseName } from "../../src/phases";
import type { Check } from "./check";
import { databaseChecks } from "./database";
import { ecsChecks } from "./ecs";
import { monitoringChecks } from "./monitoring";
import { networkChecks } from "./network";
import { storageChecks } from "./storage";

export const CHECKS: Readonly<Record<PhaseName, readonly Check[]>> = {
    network: networkChecks,
    database: databaseChecks,
    storage: storageChecks,
    ecs: ecsChecks,
    monitoring: monitoringChecks,
};
