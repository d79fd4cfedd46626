"""Model parameters: every number a decision rule uses, with its default and allowed range.

The ranges are declared once, here, in the `Field(ge=..., le=...)` bounds; scenario files,
tests and sensitivity studies all read them from this class. Each field also carries its unit and
its default sampling distribution (`json_schema_extra`), which sensitivity studies read.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


def _f(default: float, lo: float, hi: float, doc: str, unit: str = "1", distribution: str = "uniform") -> float:
    """A parameter: default, allowed range [lo, hi], meaning, unit ("1" = a pure number or share)
    and the distribution a sensitivity study samples it from unless its space file says otherwise."""
    return Field(default, ge=lo, le=hi, description=doc, json_schema_extra={"unit": unit, "distribution": distribution})


class ModelParams(BaseModel):
    """Behavioural parameters shared by all agents of a run (a scenario may override any)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_assignment=True)

    # --- market: supplier choice -------------------------------------------------------------
    logit_beta: float = _f(8.0, 0.5, 40.0, "price sensitivity of supplier choice (per unit of relative landed cost)")
    loyalty: float = _f(3.0, 0.0, 20.0, "weight on last month's supplier shares in the choice (1 + loyalty x share)")
    switching_cost_frac: float = _f(
        0.03, 0.0, 0.5, "extra landed cost (fraction of price) of a supplier not used last month"
    )
    spill_rounds: int = _f(3, 1, 8, "rounds in which unmet orders spill to the next choice", "rounds")
    freight_usd_per_kg: float = _f(
        0.3, 0.0, 5.0, "freight added to the landed cost of cross-border trade, USD/kg", "USD/kg"
    )
    # --- pricing ---------------------------------------------------------------------------
    price_gain: float = _f(0.15, 0.01, 2.0, "price change per unit of excess demand or excess stock ratio")
    price_step_max: float = _f(0.10, 0.01, 0.5, "largest relative price change of a seller in one month", "1/month")
    target_markup: float = _f(1.6, 1.0, 3.0, "initial asking price over unit cost")
    min_markup: float = _f(1.0, 0.5, 1.2, "lowest asking price over unit cost for a commercial seller")
    max_markup: float = _f(15.0, 1.5, 40.0, "highest asking price over unit cost")
    price_drift: float = _f(
        0.05, 0.0, 0.5, "monthly pull of a calm seller's price toward cost times the target markup", "1/month"
    )
    spare_tolerance: float = _f(
        0.25, 0.0, 1.0, "idle share of capacity above which a seller cuts its price instead of raising it"
    )
    idle_cut_sold_share: float = _f(
        0.05,
        0.0,
        1.0,
        "share of its offer a seller may have sold and still cut its price for idle capacity though its stock"
        " is above target (it cuts by the larger of the two)",
    )
    stock_target_months: float = _f(2.0, 0.25, 12.0, "seller's target stock in months of capacity", "months")
    export_premium_gain: float = _f(
        1.0,
        0.0,
        2.0,
        "monthly relative change of the price abroad per unit gap between export applications and allowance",
        "1/month",
    )
    export_premium_decay: float = _f(
        0.1,
        0.0,
        1.0,
        "monthly decay of the export premium where exports are not capped, or capped with little unserved",
        "1/month",
    )
    export_premium_tolerance: float = _f(
        0.05, 0.0, 0.5, "share of export applications a cap may leave unserved without adding to the premium"
    )
    # --- firms -----------------------------------------------------------------------------
    fixed_cost_frac: float = _f(0.3, 0.0, 2.0, "fixed cost per month as a share of variable cost at full capacity")
    loss_patience_months: int = _f(
        12, 1, 240, "consecutive months of a negative 12-month mean profit before a firm may mothball", "months"
    )
    startup_grace_months: int = _f(
        24, 0, 120, "months after opening in which a new plant's losses do not make it mothball", "months"
    )
    restart_margin: float = _f(
        1.25, 1.0, 5.0, "price over full cost (unit plus fixed) that a mothballed firm waits for before restarting"
    )
    restart_months: int = _f(6, 1, 60, "consecutive months of a restart signal before restarting", "months")
    restart_working_capital_months: float = _f(
        24.0, 0.0, 120.0, "fixed costs, in months, that the cash of a restarted firm covers at least", "months"
    )
    restart_lead_months: int = _f(12, 0, 120, "months from a restart decision to output", "months")
    initial_utilisation: float = _f(
        0.8, 0.1, 1.0, "share of capacity a firm expects to sell when a run starts (its first order memory)"
    )
    profit_memory_months: float = _f(
        12.0, 1.0, 60.0, "time constant of the profit memory on which a firm judges its losses", "months"
    )
    mothball_upkeep_frac: float = _f(0.15, 0.0, 1.0, "upkeep while mothballed as a share of fixed cost")
    learning_rate: float = _f(0.05, 0.0, 0.4, "unit-cost fall per doubling of cumulative output")
    learning_floor: float = _f(0.5, 0.1, 1.0, "lowest unit cost reachable by learning, as a share of the initial cost")
    invest_utilisation: float = _f(0.85, 0.3, 1.0, "yearly utilisation above which a profitable firm adds capacity")
    invest_margin: float = _f(0.05, 0.0, 2.0, "yearly operating margin above which a busy firm adds capacity")
    invest_growth: float = _f(
        0.5, 0.0, 1.0, "largest yearly capacity growth of a commercial firm, share of its capacity", "1/year"
    )
    invest_interval_months: int = _f(
        3, 1, 12, "months between a firm's investment decisions (each on the last 12 months)", "months"
    )
    invest_trend_max: float = _f(
        0.25,
        0.0,
        1.0,
        "largest yearly growth of its orders that a firm extrapolates over the lead time when it invests",
        "1/year",
    )
    invest_horizon_months: int = _f(
        24, 0, 120, "longest span over which a firm extrapolates the growth of its orders", "months"
    )
    invest_headroom: float = _f(
        0.15, 0.0, 1.0, "spare capacity over expected orders that a commercial firm builds toward"
    )
    capex_years: float = _f(1.0, 0.0, 10.0, "capital cost of new capacity in years of its variable cost", "years")
    orders_memory: float = _f(
        0.3, 0.01, 1.0, "weight of this month's orders in a firm's expected orders (exponential memory)"
    )
    output_adjust_months: float = _f(
        3.0, 1.0, 24.0, "months over which a firm closes the gap to its stock target", "months"
    )
    dytb_cost_share: float = _f(
        0.4, 0.01, 0.6, "share of a separator's feed and processing cost carried by DyTb when pricing"
    )
    dytb_thrift_elasticity: float = _f(
        0.5, 0.0, 2.0, "cut in a magnet maker's DyTb content per unit of log price over its long-run price memory"
    )
    dytb_thrift_floor: float = _f(0.4, 0.1, 1.0, "lowest DyTb content reachable by thrifting, share of the initial")
    dytb_thrift_months: float = _f(24.0, 1.0, 120.0, "time constant of adopting a leaner magnet grade", "months")
    dytb_memory_months: float = _f(
        60.0, 1.0, 240.0, "time constant of a magnet maker's memory of the DyTb price", "months"
    )
    ndpr_per_t_magnet: float = _f(0.3, 0.1, 0.5, "t of NdPr oxide per t of sintered NdFeB magnet", "t/t")
    dytb_per_t_magnet: float = _f(
        0.05, 0.0, 0.1, "t of DyTb oxide per t of sintered NdFeB magnet, before thrifting", "t/t"
    )
    dytb_early_share: float = _f(
        1.0,
        0.1,
        1.0,
        "DyTb content of the magnets made in the first month of the run, share of `dytb_per_t_magnet` (the early "
        "grades, for electronics and disk drives, carried little Dy; 1 = the full content throughout)",
    )
    dytb_full_year: float = _f(
        1985.0,
        1900.0,
        2100.0,
        "year by which the magnets' DyTb content (before thrifting) has risen linearly from `dytb_early_share` "
        "to the full `dytb_per_t_magnet` (high-temperature grades for motors)",
        "year",
    )
    alarm_stock_months: float = _f(
        4.0,
        0.0,
        24.0,
        "extra months of an oxide a magnet maker wants in stock per unit of severity of news of a supply cut "
        "(a quota cut, an embargo, a licence, a crackdown; 0 = none)",
        "months",
    )
    alarm_cap_months: float = _f(6.0, 0.0, 24.0, "most extra months of an oxide stocked on supply-cut news", "months")
    alarm_fade_months: float = _f(6.0, 1.0, 60.0, "time constant with which supply-cut news fades", "months")
    # --- customers -------------------------------------------------------------------------
    demand_noise_sd: float = _f(0.05, 0.0, 0.5, "monthly log-normal noise on customers' demand")
    price_elasticity: float = _f(0.3, 0.0, 2.0, "long-run demand reduction per unit of log price rise (thrifting)")
    short_run_elasticity: float = _f(
        0.3, 0.0, 2.0, "immediate cut in use per unit of log price above the remembered price (production cuts)"
    )
    price_lag_months: float = _f(12.0, 1.0, 60.0, "time constant of customers' price memory", "months")
    thrift_rebound_max: float = _f(
        2.0, 1.0, 10.0, "largest rise in use when prices fall below the first price a customer saw (thrift undone)"
    )
    inventory_adjust_months: float = _f(
        3.0, 1.0, 24.0, "months over which a buyer closes the gap to its inventory target", "months"
    )
    precaution_months: float = _f(
        2.0, 0.0, 24.0, "months of extra stock a customer wants after going short (hoarding)", "months"
    )
    precaution_trigger: float = _f(0.1, 0.0, 1.0, "share of a month's need left unmet that makes a customer hoard")
    precaution_decay: float = _f(0.05, 0.0, 1.0, "monthly fading of a customer's extra stock wish", "1/month")
    # --- smuggling -------------------------------------------------------------------------
    seizure_base: float = _f(0.02, 0.0, 0.5, "probability a shipment is seized with no enforcement")
    seizure_per_enforcement: float = _f(0.6, 0.0, 1.0, "added seizure probability at full enforcement")
    smuggle_full_margin: float = _f(
        0.25, 0.01, 5.0, "expected margin (share of cost) at which a network runs at capacity"
    )
    smuggle_discount: float = _f(
        0.05, 0.0, 0.5, "how far below the legal landed price abroad a smuggling network asks, share"
    )
    shipment_t: float = _f(
        10.0, 0.1, 1000.0, "size of one smuggled shipment, t (seizures are per shipment)", "t", "loguniform"
    )
    arrest_capacity_loss: float = _f(
        0.5, 0.0, 1.0, "share of a network's capacity lost per share of its shipments seized (arrests)"
    )
    network_recovery: float = _f(
        0.05, 0.0, 1.0, "monthly share of its lost capacity that a smuggling network rebuilds", "1/month"
    )
    illegal_penalty_usd_per_kg: float = _f(
        8.0, 0.0, 500.0, "expected penalty per kg for illegal mining at full enforcement", "USD/kg"
    )
    # --- states ----------------------------------------------------------------------------
    undercut_trigger_share: float = _f(
        0.3, 0.0, 1.0, "foreign capacity share that makes a dominance-seeking state direct undercutting"
    )
    undercut_release_share: float = _f(0.12, 0.0, 1.0, "foreign capacity share below which direction stops")
    directed_price_factor: float = _f(0.7, 0.2, 1.0, "lowest price over unit cost that a state-directed firm may ask")
    directed_growth_max: float = _f(0.3, 0.0, 1.0, "largest yearly capacity growth of a state-directed firm")
    directed_spare_capacity: float = _f(
        0.3, 0.0, 2.0, "spare capacity over expected orders that a state-directed firm builds toward (overcapacity)"
    )
    shock_dependence: float = _f(
        0.2, 0.0, 1.0, "share of a tier's orders met from one origin that makes a state watch that supply"
    )
    shock_material_share: float = _f(
        0.05, 0.0, 1.0, "least share of the value of imports from a supplier for a tier's fall to count as a shock"
    )
    shock_import_drop: float = _f(
        0.5, 0.05, 1.0, "fall of imports from the main supplier, against the year before, that counts as a supply shock"
    )
    shock_unmet_share: float = _f(
        0.05, 0.0, 1.0, "least share of need (or of the value of orders) left unmet for a fall in imports to be a shock"
    )
    shock_warmup_months: int = _f(
        36, 0, 240, "months at the start of a run in which no supply shock is detected", "months"
    )
    shock_refractory_months: int = _f(
        120, 0, 600, "months after a supply shock in which a state does not react to another", "months"
    )
    supplier_memory_months: float = _f(
        10.0, 1.0, 60.0, "time constant of the import memory by which a state names its main supplier", "months"
    )
    shock_inventory_months: float = _f(
        3.0, 0.0, 24.0, "months added to customers' inventory targets after a shock", "months"
    )
    shock_risk_premium: float = _f(0.15, 0.0, 2.0, "risk premium added on the shocking supplier country after a shock")
    shock_stockpile_months: float = _f(
        2.0, 0.0, 24.0, "state stockpile target after a shock, months of national demand", "months"
    )
    finance_share: float = _f(0.5, 0.0, 1.0, "share of a financed project's capital cost paid by the financing state")
    stockpile_buy_months: float = _f(12.0, 1.0, 120.0, "months over which a state fills its stockpile target", "months")
    stockpile_release_discount: float = _f(
        0.1, 0.0, 0.5, "a state releasing its stockpile asks this much below the market's price index"
    )
    stockpile_release_price: float = _f(
        2.0, 1.0, 10.0, "import price over its mean of `stockpile_price_window_months` at which a state releases stock"
    )
    stockpile_price_window_months: int = _f(
        36, 1, 120, "months of import prices whose mean a state compares the price with before a release", "months"
    )
    stockpile_release_months: float = _f(
        6.0, 1.0, 60.0, "months over which a state would empty its stockpile into a price spike", "months"
    )
    licence_approval: float = _f(
        0.6, 0.0, 1.0, "share of decided export applications approved in a licence regime's first month of decisions"
    )
    licence_ease_months: float = _f(
        6.0,
        1.0,
        120.0,
        "time constant with which the approved share of licence applications rises toward all",
        "months",
    )


def param_ranges() -> dict[str, tuple[float, float, str]]:
    """Name -> (low, high, description) for every numeric parameter, from the declarations."""
    out: dict[str, tuple[float, float, str]] = {}
    for name, field in ModelParams.model_fields.items():
        lo = hi = None
        for meta in field.metadata:
            lo = getattr(meta, "ge", lo)
            hi = getattr(meta, "le", hi)
        out[name] = (lo, hi, field.description or "")
    return out
