// @ts-check
// The surge banner's texts in Russian.

export default {
  surge_banner: "Центр в режиме перегрузки",
  surge_since: "с {time}",
  surge_why_short_erlang: "по Erlang C {needed}, {staffed}",
  surge_needed: { one: "нужен {count} оператор", few: "нужно {count} оператора", many: "нужно {count} операторов", other: "нужно {count} оператора" },
  surge_working: { one: "работает {count}", few: "работают {count}", many: "работают {count}", other: "работают {count}" },
  surge_why_short_waiting: { one: "{count} абонент ждёт дольше цели, свободных операторов нет", few: "{count} абонента ждут дольше цели, свободных операторов нет", many: "{count} абонентов ждут дольше цели, свободных операторов нет", other: "{count} абонента ждут дольше цели, свободных операторов нет" },
  surge_why_switched_on: "включён вручную ({who}): {reason}",
  surge_why_switched_off: "выключен вручную ({who}): {reason}",
  surge_why_staffed: "операторов достаточно",
  surge_why_policy_off: "режим перегрузки отключён в настройках",
  surge_why_no_model: "нет цели уровня обслуживания для оценки",
  surge_operator_meaning: "Сначала живые вызовы; обратные звонки по неклассифицированным вызовам ждут.",
  said_surge_reason_needed: "Укажите, почему режим перегрузки переключается вручную",
};
